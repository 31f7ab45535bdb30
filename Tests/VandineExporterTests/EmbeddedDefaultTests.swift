import Foundation
import Testing
import TestSupport
import VandineCore

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

    /// `make run` shows this machine's stats: the embedded default's `node` module (local) through
    /// the real binary, every collector that has files here succeeding, and the whole answer
    /// clean under `promtool check metrics` apart from node_exporter's own names in the allowlist.
    @Test func nodeModuleShowsThisMachineAndPassesPromtool() async throws {
        let exporter = try await ExporterProcess.started(arguments: [])
        defer { exporter.stop() }
        let response = try await Curl.fetch(exporter.url("/probe?target=localhost&module=node"))
        #expect(response.status == 200)
        let body = response.body
        #expect(body.contains("probe_success 1"), "\(body.prefix(2000))")
        for collector in ["cpu", "stat", "meminfo", "loadavg", "filesystem", "netdev", "netclass", "diskstats", "uname", "os", "time"] {
            #expect(body.contains("node_scrape_collector_success{collector=\"\(collector)\"} 1"), "\(collector)")
        }
        #expect(body.contains("node_uname_info{"))
        #expect(body.contains("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}"))
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: body)
        #expect(lint.status == 0 || lint.status == 3, "promtool could not parse the output: \(lint.stderr)")
        let output = lint.stdout + lint.stderr
        #expect(PromtoolAllowlist.unexpectedProblems(in: output).isEmpty, "\(output)")
        // The allowlist is needed: node_exporter's meminfo names are camelCase.
        #expect(output.contains("node_memory_MemTotal_bytes metric names should be written in 'snake_case' not 'camelCase'"))
    }
}
