import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The exposition of a whole shell-mode probe of the scripted router CLI, against the golden file
/// `Fixtures/command/router-cli.prom` (durations vary, so their values are masked there), and
/// `promtool check metrics` on it as it is.
@Suite struct CommandExpositionTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/command/router-cli.prom").path

    @Test func aRouterProbeMatchesTheGoldenFileAndPassesPromtool() async throws {
        let module = try CommandTestConfig.module(CommandProberShellTests.routerModule)
        let result = await CommandTestConfig.probe(CommandProber(executor: LocalShellExecutor()), module)
        #expect(result.success, "\(result.log.entries)")
        var metrics = result.metrics
        // What the probe handler adds around every probe.
        metrics.gauge("probe_success", 1, help: "Displays whether or not the probe was a success")
        metrics.gauge("probe_duration_seconds", result.elapsed.inSeconds, help: "Returns how long the probe took to complete in seconds")
        let text = ExpositionEncoder.encode(metrics)

        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: text)
        #expect(lint.status == 0, "promtool: \(lint.stdout)\(lint.stderr)")

        let masked = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("vandine_command_duration_seconds{") || line.hasPrefix("probe_duration_seconds "),
                  let space = line.lastIndex(of: " ") else { return String(line) }
            return line[..<space] + " <seconds>"
        }.joined(separator: "\n")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try masked.write(toFile: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: Self.golden, encoding: .utf8)
        #expect(masked == expected)
    }
}
