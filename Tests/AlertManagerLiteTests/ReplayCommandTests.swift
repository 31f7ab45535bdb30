@testable import AlertCore
@testable import AlertManagerLite
import ArgumentParser
import Foundation
import Testing
import TestSupport

/// The `test rules` and `replay` subcommands: their argument checks, and real runs of the binary.
@Suite struct ReplayCommandTests {
    @Test func refusesBadTimesAndSteps() async throws {
        for (arguments, message) in [
            (["--from", "yesterday", "--to", "0"], "--from: not RFC 3339 or Unix seconds: yesterday"),
            (["--from", "0", "--to", "2026-13-01T00:00:00Z"], "--to: not RFC 3339 or Unix seconds: 2026-13-01T00:00:00Z"),
            (["--from", "0", "--to", "60", "--step", "0s"], "--step: must be a positive duration like 30s or 1m, got 0s"),
        ] {
            let command = try ReplayCommand.parse(arguments)
            do {
                try await command.run()
                Issue.record("\(arguments) ran")
            } catch let error as ValidationError {
                #expect(error.message == message)
            }
        }
    }

    /// `alertmanager-lite replay` (the binary) over a backfilled Prometheus: the tunnel is down
    /// from 1m to 3m; with `for: 1m` and `keep_firing_for: 5m` it fires at 2m and resolves at 9m,
    /// and every change is one line on stdout.
    @Test(.timeLimit(.minutes(2))) func replayPrintsEveryStateChange() async throws {
        let series = [InputSeries(labels: ["__name__": "vandine_tunnel_up", "instance": "localhost:20241", "job": "cloudflared"],
                                  points: try SeriesValues.expand("1 0 0 0 1x10"))]
        let loaded = try await PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource).load(series, interval: 60_000)
        let prometheus = try #require(loaded as? TemporaryPrometheus)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("rules.yml", """
            groups:
              - name: network
                interval: 1m
                rules:
                  - alert: TunnelDown
                    expr: vandine_tunnel_up == 0
                    for: 1m
                    keep_firing_for: 5m
            """)
        let config = try directory.write("alertmanager-lite.yml", """
            datasource: {url: "\(prometheus.baseURL)"}
            rule_files: [rules.yml]
            """)
        let result = try await Command.runOffPool(VersionTests.binary, ["replay", "--config.file", config,
                                                                        "--from", "0", "--to", "780", "--step", "1m"])
        await loaded.close()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let changes = lines.filter { $0.contains(" TunnelDown ") }
        #expect(changes.count == 4, "\(result.stdout)")
        #expect(changes.first?.hasPrefix("1970-01-01T00:01:00Z network TunnelDown ") == true)
        #expect(changes.first?.hasSuffix("inactive -> pending value=0") == true)
        #expect(changes.dropFirst().first?.hasPrefix("1970-01-01T00:02:00Z") == true)
        #expect(changes.last?.hasPrefix("1970-01-01T00:09:00Z") == true)
        #expect(changes.last?.contains("firing -> inactive") == true)
    }

    /// `alertmanager-lite test rules` (the binary) passes a shipped case and fails a wrong one,
    /// with promtool's exit codes.
    @Test(.timeLimit(.minutes(2))) func testRulesExitCodes() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let good = root.appendingPathComponent("monitoring/prometheus/rules/tests/tunnel-keep-firing-for.yml").path
        let passed = try await Command.runOffPool(VersionTests.binary, ["test", "rules", good])
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        #expect(passed.stdout.contains("SUCCESS"))
        let missing = try await Command.runOffPool(VersionTests.binary, ["test", "rules", "/nonexistent/tests.yml"])
        #expect(missing.status == 1, "\(missing.stdout)\(missing.stderr)")
    }
}
