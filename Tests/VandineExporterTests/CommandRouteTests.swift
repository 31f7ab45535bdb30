import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import VandineCore
@testable import VandineExporter

/// A command module through the exporter's `/probe` route, with the standard wiring: until the SSH
/// session pool is wired in, its commands fail with that reason, and `debug=true` shows the module
/// with its enable password redacted.
@Suite struct CommandRouteTests {
    static let yaml = """
        modules:
          router_cli:
            prober: command
            timeout: 2s
            command:
              mode: shell
              pre_commands: ["terminal length 0"]
              enable: {password: "${ROUTER_TEST_PASSWORD}"}
              commands:
                - name: version
                  command: show version
                  metrics: [{name: router_version_info, regex: 'Version (?P<version>\\\\S+)'}]
        devices:
          - name: router
            address: 127.0.0.1
            modules: [router_cli]
            ssh: {user: admin, password: "${ROUTER_TEST_PASSWORD}"}
        """

    @Test func aCommandProbeSaysTheSessionPoolIsMissingAndHidesTheEnablePassword() async throws {
        let (state, directory, _) = try RouterTests.makeState(yaml: Self.yaml)
        defer { directory.remove() }
        try await RouterTests.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=router_cli&target=router&debug=true", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(body.contains("probe_success 0"))
                #expect(body.contains("vandine_command_success{command=\"version\"} 0"))
                #expect(body.contains("shell: router: no SSH session pool is wired into this exporter yet: ssh modules cannot log in"))
                #expect(body.contains("enable:\n    command: \"enable\"\n    password: <secret>\n"))
                #expect(!body.contains("hunter2-secret"))
            }
            // The SSH port comes from the device's settings: a port in the target is refused.
            try await client.execute(uri: "/probe?module=router_cli&target=router:22", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("a command module logs in on the SSH port of the device's ssh: settings"))
            }
        }
    }
}
