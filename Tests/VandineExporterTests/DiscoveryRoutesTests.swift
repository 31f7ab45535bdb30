import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Probes
import VandineCore
@testable import VandineExporter

/// Discovered hosts through the exporter's routes: `/sd`, `/metrics`, `/probe`, `/config` and `/`.
@Suite struct DiscoveryRoutesTests {
    /// RouterTests' config without its allowed_targets: only discovery.networks admits ad-hoc targets.
    static let yaml = RouterTests.configYAML.replacingOccurrences(of: "allowed_targets:\n  - 127.0.0.0/8", with: "allowed_targets: []") + """

        discovery:
          networks: [10.9.0.0/24, 127.9.9.0/29]
          modules: [tcp_connect]
          labels: {site: home}
        """

    static func state() throws -> (ExporterState, TemporaryDirectory) {
        let (state, directory, _) = try RouterTests.makeState(yaml: yaml)
        _ = state.discovery.record(
            answered: [IPAddress("10.9.0.5")!: .milliseconds(1), IPAddress("127.0.0.1")!: .milliseconds(1)],
            macs: [IPAddress("10.9.0.5")!: MACAddress("02:00:00:00:00:05")!], names: [IPAddress("10.9.0.5")!: .name("printer.lan")],
            networks: [IPNetwork("10.9.0.0/24")!, IPNetwork("127.0.0.0/8")!], keepVanished: .seconds(60),
            summary: .init(finished: 1_800_000_000, durationSeconds: 2, addresses: 254, success: true), now: 1_800_000_000)
        return (state, directory)
    }

    @Test func sdListsDiscoveredHostsAfterTheDevices() async throws {
        let (state, directory) = try Self.state()
        defer { directory.remove() }
        try await RouterTests.app(state).test(.router) { client in
            try await client.execute(uri: "/sd", method: .get) { response in
                struct Group: Decodable { let targets: [String]; let labels: [String: String] }
                let groups = try JSONDecoder().decode([Group].self, from: Data(buffer: response.body))
                #expect(groups.map(\.targets) == [["pi1"], ["pi1:22"], ["10.9.0.5"]],
                        "127.0.0.1 is the device pi1 (and outside discovery.networks): not listed again")
                #expect(groups.last?.labels == [
                    "__param_target": "10.9.0.5", "__param_module": "tcp_connect", "module": "tcp_connect",
                    "vandine_discovered": "true", "mac": "02:00:00:00:00:05", "hostname": "printer.lan", "site": "home",
                ])
            }
        }
    }

    @Test func metricsCarryTheDiscoverySeries() async throws {
        let (state, directory) = try Self.state()
        defer { directory.remove() }
        try await RouterTests.app(state).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("vandine_discovered_host_info{address=\"10.9.0.5\",hostname=\"printer.lan\",known_device=\"\",mac=\"02:00:00:00:00:05\"} 1\n"))
                #expect(body.contains("vandine_discovered_host_info{address=\"127.0.0.1\",hostname=\"\",known_device=\"pi1\",mac=\"\"} 1\n"))
                #expect(body.contains("vandine_discovery_hosts 2\n"))
                #expect(body.contains("vandine_discovered_host_last_seen_timestamp_seconds{address=\"10.9.0.5\"} 1800000000\n"))
                let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: body)
                #expect(lint.status == 0, "promtool: \(lint.stdout)\(lint.stderr)")
            }
        }
    }

    @Test func probeAcceptsADiscoveryAddressAndConfigShowsTheSection() async throws {
        let (state, directory) = try Self.state()
        defer { directory.remove() }
        try await RouterTests.app(state).test(.router) { client in
            #expect(state.config.current.allowedTargets.networks.isEmpty)
            // Inside discovery.networks (on loopback, a closed port): probed, and it fails.
            try await client.execute(uri: "/probe?module=tcp_connect&target=127.9.9.1:1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("probe_success 0\n"))
            }
            try await client.execute(uri: "/probe?module=tcp_connect&target=10.10.0.1:22", method: .get) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body) == "target \"10.10.0.1\" is not a configured device and not in allowed_targets or discovery.networks\n")
            }
            try await client.execute(uri: "/config", method: .get) { response in
                #expect(String(buffer: response.body).contains("discovery:\n  networks: [\"10.9.0.0/24\", \"127.9.9.0/29\"]\n  interval: 10m\n"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("<h2>Discovered hosts</h2>"))
                #expect(page.contains("<td>10.9.0.5</td><td>02:00:00:00:00:05</td><td>printer.lan</td><td></td><td>up</td>"))
            }
        }
    }
}
