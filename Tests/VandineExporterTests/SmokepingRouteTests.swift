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

/// Continuous mode's series on the HTTP side: on `/metrics` by default, alone on another
/// `metrics_path` otherwise. The engine here has no sockets (every request is a send error), so
/// the series exist without any packet leaving.
@Suite struct SmokepingRouteTests {
    static func state(metricsPath: String?) throws -> (ExporterState, SmokepingService, TemporaryDirectory) {
        let path = metricsPath.map { "  metrics_path: \($0)\n" } ?? ""
        let yaml = "devices:\n  - {name: pi1, address: 127.0.0.1}\nsmokeping:\n  interval: 50ms\n  devices: [pi1]\n  targets: [127.0.0.2]\n" + path
        let directory = try TemporaryDirectory()
        let file = try directory.write("vandine.yml", yaml)
        let config = try ReloadableConfig { () throws -> ExporterConfig in try ConfigLoader(environment: [:]).load(path: file) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let smokeping = SmokepingService(config: config, engine: UnavailableEchoEngine(), logger: logger)
        let handler = ProbeHandler(probers: ProberWiring.standard().registry, logger: logger)
        return (ExporterState(config: config, configSource: file, handler: handler, logger: logger, smokeping: smokeping), smokeping, directory)
    }

    static func get(_ uri: String, _ state: ExporterState) async throws -> (HTTPResponse.Status, String) {
        try await RouterTests.app(state).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                (response.status, String(buffer: response.body))
            }
        }
    }

    static func waitForSeries(_ smokeping: SmokepingService) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if smokeping.families().contains(where: { $0.name == "smokeping_requests_total" && $0.samples.count == 2 }) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    @Test func seriesJoinMetricsByDefault() async throws {
        let (state, smokeping, directory) = try Self.state(metricsPath: nil)
        defer { directory.remove() }
        let task = Task { try await smokeping.run() }
        defer { task.cancel() }
        #expect(await Self.waitForSeries(smokeping))
        let (status, body) = try await Self.get("/metrics", state)
        #expect(status == .ok)
        #expect(body.contains("vandine_exporter_build_info"))
        #expect(body.contains("smokeping_requests_total{host=\"pi1\",ip=\"127.0.0.1\",source=\"\"}"))
        #expect(body.contains("smokeping_send_errors_total{host=\"127.0.0.2\",ip=\"127.0.0.2\",source=\"\"}"))
    }

    @Test func anotherPathServesThemAlone() async throws {
        let (state, smokeping, directory) = try Self.state(metricsPath: "/smokeping/metrics")
        defer { directory.remove() }
        let task = Task { try await smokeping.run() }
        defer { task.cancel() }
        #expect(await Self.waitForSeries(smokeping))
        let (status, body) = try await Self.get("/smokeping/metrics", state)
        #expect(status == .ok)
        #expect(body.contains("# TYPE smokeping_response_duration_seconds histogram\n"))
        #expect(!body.contains("vandine_exporter_build_info"))
        let (_, own) = try await Self.get("/metrics", state)
        #expect(own.contains("vandine_exporter_build_info"))
        #expect(!own.contains("smokeping_"))
    }
}
