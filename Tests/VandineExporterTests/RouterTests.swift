import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
import Probes
import VandineCore
@testable import VandineExporter

/// The exporter's routes, in process (HummingbirdTesting's router mode: no socket for HTTP, but the
/// probes hit real loopback listeners).
@Suite struct RouterTests {
    static let configYAML = """
        modules:
          tcp_connect:
            prober: tcp
            timeout: 2s
            tcp:
              port: 22
        devices:
          - name: pi1
            address: 127.0.0.1
            labels: {role: nas}
            modules: [tcp_connect]
            ssh:
              user: pi
              password: ${ROUTER_TEST_PASSWORD}
            services:
              - {name: ssh, port: 22}
        allowed_targets:
          - 127.0.0.0/8
        """

    static func makeState(yaml: String = configYAML) throws -> (ExporterState, TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let file = try directory.write("vandine.yml", yaml)
        let loader = ConfigLoader(environment: ["ROUTER_TEST_PASSWORD": "hunter2-secret"])
        let config = try ReloadableConfig { () throws -> ExporterConfig in try loader.load(path: file) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let handler = ProbeHandler(probers: ProberWiring.standard().registry, logger: logger)
        return (ExporterState(config: config, configSource: file, handler: handler, logger: logger), directory, file)
    }

    static func app(_ state: ExporterState, webConfig: WebConfig = WebConfig()) throws -> some ApplicationProtocol {
        try buildApplication(state: state, webConfig: webConfig, listen: ListenAddress("127.0.0.1:0")!)
    }

    @Test(arguments: [
        ("/probe?target=127.0.0.1:1", HTTPResponse.Status.badRequest, "module parameter is missing"),
        ("/probe?target=127.0.0.1:1&module=icmp", .badRequest, "unknown module \"icmp\""),
        ("/probe?module=tcp_connect", .badRequest, "target parameter is missing"),
        ("/probe?module=tcp_connect&target=127.0.0.1:0", .badRequest, "target \"127.0.0.1:0\" is invalid: port must be 1-65535, got \"0\""),
        ("/probe?module=tcp_connect&target=192.0.2.7:22", .forbidden, "target \"192.0.2.7\" is not a configured device and not in allowed_targets"),
    ])
    func probeRefusals(_ uri: String, _ status: HTTPResponse.Status, _ reason: String) async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status)
                #expect(String(buffer: response.body) == reason + "\n")
            }
        }
    }

    @Test func probeOfARealListenerSucceeds() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=tcp_connect&target=127.0.0.1:\(server.port)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let set = MetricSet(try ExpositionParser.parse(String(buffer: response.body)))
                #expect(set.sample(named: "probe_success") == 1)
                #expect(set.sample(named: "probe_duration_seconds") != nil)
                #expect(set.sample(named: "probe_tcp_connect_duration_seconds") != nil)
            }
        }
    }

    @Test func failedProbeIsStill200WithProbeSuccessZero() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        let closed = try ClosedTCPPort()
        let port = closed.port
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=tcp_connect&target=pi1:\(port)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("probe_success 0\n"))
            }
        }
    }

    @Test func scrapeTimeoutHeaderShortensTheModuleTimeout() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=tcp_connect&target=127.0.0.1:1&debug=true", method: .get,
                                     headers: [HTTPField.Name("X-Prometheus-Scrape-Timeout-Seconds")!: "1.5"]) { response in
                #expect(String(buffer: response.body).contains("timeout 1s)"))
            }
        }
    }

    @Test func debugShowsLogMetricsAndModuleWithoutSecrets() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=tcp_connect&target=pi1:1&debug=true", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(body.contains("Logs for the probe:\n"))
                #expect(body.contains("beginning probe of pi1:1 (127.0.0.1:1) with module tcp_connect"))
                #expect(body.contains("probe_success 0"))
                #expect(body.contains("Module configuration:\nprober: tcp\ntimeout: 2s\n"))
                #expect(!body.contains("hunter2-secret"))
            }
        }
    }

    @Test func configIsRedacted() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/config", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(body.contains("password: <secret>"))
                #expect(!body.contains("hunter2-secret"))
                #expect(body.contains("name: \"pi1\""))
            }
        }
    }

    @Test func metricsHaveTheSelfMetrics() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            _ = try await client.execute(uri: "/probe?module=tcp_connect&target=127.0.0.1:1", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let set = MetricSet(try ExpositionParser.parse(String(buffer: response.body)))
                #expect(set.sample(named: "vandine_exporter_build_info", labels: ["version": BuildInfo.version, "swiftversion": BuildInfo.swiftVersion]) == 1)
                #expect(set.sample(named: "vandine_exporter_config_last_reload_successful") == 1)
                #expect((set.sample(named: "vandine_exporter_config_last_reload_success_timestamp_seconds") ?? 0) > 1_700_000_000)
                #expect(set.sample(named: "vandine_exporter_probes_total", labels: ["module": "tcp_connect", "result": "failure"]) == 1)
                #expect(set.sample(named: "vandine_exporter_probe_duration_seconds_count", labels: ["module": "tcp_connect"]) == 1)
                #expect((set.sample(named: "process_resident_memory_bytes") ?? 0) > 0)
            }
        }
    }

    @Test func healthyReadyAndStatusPage() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
            // As Prometheus: POST and PUT reload, GET is 405.
            try await client.execute(uri: "/-/reload", method: .get) { #expect($0.status == .methodNotAllowed) }
            try await client.execute(uri: "/-/reload", method: .put) { #expect($0.status == .ok) }
            _ = try await client.execute(uri: "/probe?module=tcp_connect&target=127.0.0.1:1", method: .get)
            try await client.execute(uri: "/", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("<td>pi1</td>"))
                #expect(body.contains("Recent failures"))
                #expect(body.contains("<td>127.0.0.1:1</td>"))
                #expect(!body.contains("hunter2-secret"))
            }
        }
    }

    @Test func serviceDiscoveryListsDeviceModulesAndServices() async throws {
        let (state, directory, _) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/sd", method: .get) { response in
                #expect(response.headers[.contentType] == "application/json")
                struct Group: Decodable { let targets: [String]; let labels: [String: String] }
                let groups = try JSONDecoder().decode([Group].self, from: Data(buffer: response.body))
                #expect(groups.count == 2)
                #expect(groups[0].targets == ["pi1"])
                #expect(groups[0].labels == ["__param_target": "pi1", "__param_module": "tcp_connect", "module": "tcp_connect", "device": "pi1", "role": "nas"])
                #expect(groups[1].targets == ["pi1:22"])
                #expect(groups[1].labels["__param_target"] == "pi1:22")
                #expect(groups[1].labels["service"] == "ssh")
            }
        }
    }

    /// `/probe?module=services&target=DEVICE` probes every service of the device; `/sd` offers the
    /// (device, services) entry beside the per-service entries.
    @Test func servicesProbeAndItsServiceDiscoveryEntry() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let (state, directory, _) = try Self.makeState(yaml: """
            modules:
              tcp_connect:
                prober: tcp
                timeout: 2s
              services:
                prober: services
                timeout: 2s
            devices:
              - name: box
                address: 127.0.0.1
                modules: [services]
                services:
                  - {name: listener, port: \(server.port)}
            """)
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/probe?module=services&target=box", method: .get) { response in
                #expect(response.status == .ok)
                let set = MetricSet(try ExpositionParser.parse(String(buffer: response.body)))
                #expect(set.sample(named: "probe_success") == 1)
                #expect(set.sample(named: "vandine_service_up", labels: ["service": "listener", "port": String(server.port)]) == 1)
            }
            try await client.execute(uri: "/sd", method: .get) { response in
                struct Group: Decodable { let targets: [String]; let labels: [String: String] }
                let groups = try JSONDecoder().decode([Group].self, from: Data(buffer: response.body))
                #expect(groups.map(\.targets) == [["box"], ["box:\(server.port)"]])
                #expect(groups[0].labels == ["__param_target": "box", "__param_module": "services", "module": "services", "device": "box"])
                #expect(groups[1].labels["service"] == "listener")
            }
        }
    }

    @Test func reloadWithABrokenFileKeepsTheOldConfig() async throws {
        let (state, directory, file) = try Self.makeState()
        defer { directory.remove() }
        try await Self.app(state).test(.router) { client in
            try "modules:\n  tcp_connect:\n    prober: nope\n".write(toFile: file, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("vandine.yml:3:13: modules.tcp_connect.prober: unknown prober nope"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("vandine_exporter_config_last_reload_successful 0\n"))
            }
            // The old config still serves: pi1 is still a device.
            try await client.execute(uri: "/probe?module=tcp_connect&target=pi1:1", method: .get) { response in
                #expect(response.status == .ok)
            }
            try Self.configYAML.replacingOccurrences(of: "timeout: 2s", with: "timeout: 3s")
                .write(toFile: file, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .post) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("vandine_exporter_config_last_reload_successful 1\n"))
            }
            #expect(state.config.current.modules["tcp_connect"]?.timeout == .seconds(3))
        }
    }
}
