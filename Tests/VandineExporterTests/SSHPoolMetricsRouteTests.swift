import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
import Probes
import VandineCore
@testable import VandineExporter

/// `/metrics` carries the SSH session pool's families once the wiring hands the pool to the state.
@Suite struct SSHPoolMetricsRouteTests {
    @Test func metricsShowThePoolsSessionsLoginsAndCommandDurations() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let knownHosts = server.directory + "/known_hosts"
        try (try server.knownHostsLine(.ed25519) + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let wiring = ProberWiring.standard()
        defer { wiring.ssh.shutdown() }
        let endpoint = SSHEndpoint(device: "pi-test", host: "127.0.0.1",
                                   settings: SSHSettings(user: "root", port: server.port, privateKeyFile: server.clientKeyEd25519,
                                                         knownHostsFile: knownHosts))
        let result = try await wiring.ssh.exec("echo up", on: endpoint, deadline: .now + .seconds(10), outputLimit: 1024)
        #expect(result.stdout == Array("up\n".utf8))

        let (plain, directory, file) = try RouterTests.makeState()
        defer { directory.remove() }
        let state = ExporterState(config: plain.config, configSource: file, handler: plain.handler, logger: plain.logger, ssh: wiring.ssh)
        try await RouterTests.app(state).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let set = MetricSet(try ExpositionParser.parse(String(buffer: response.body)))
                #expect(set.sample(named: "vandine_ssh_sessions", labels: ["device": "pi-test", "state": "idle"]) == 1)
                #expect(set.sample(named: "vandine_ssh_sessions", labels: ["device": "pi-test", "state": "connecting"]) == 0)
                #expect(set.sample(named: "vandine_ssh_connects_total", labels: ["device": "pi-test", "result": "success"]) == 1)
                #expect(set.sample(named: "vandine_ssh_command_duration_seconds_count", labels: ["device": "pi-test"]) == 1)
                #expect(set.family(named: "vandine_ssh_command_duration_seconds")?.type == .histogram)
            }
        }
        #expect(wiring.services.contains { $0 as? SSHSessionPool === wiring.ssh }, "the pool runs as a Service of the exporter")
    }
}
