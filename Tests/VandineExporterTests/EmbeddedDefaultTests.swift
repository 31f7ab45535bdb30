import Foundation
import Testing
import TestSupport

/// The real binary on its embedded default config (what `make run` starts), on whatever port
/// `--web.listen-address` gives it: its checks of itself find it there.
@Suite struct EmbeddedDefaultTests {
    @Test func selfChecksFollowTheListenPort() async throws {
        let exporter = try await ExporterProcess.started(arguments: [])
        defer { exporter.stop() }
        let services = try await Curl.fetch(exporter.url("/probe?module=services&target=localhost"))
        for service in ["vandine-exporter", "vandine-exporter-health"] {
            #expect(services.body.contains("vandine_service_up{port=\"\(exporter.port)\",service=\"\(service)\"} 1"), "\(services.body)")
        }
        let sd = try await Curl.fetch(exporter.url("/sd"))
        #expect(sd.body.contains("\"localhost:\(exporter.port)\"") && !sd.body.contains(":10110"), "\(sd.body)")
    }
}
