import AlertCore
@testable import AlertManagerLite
import ArgumentParser
import Testing

/// The `test rules` and `replay` subcommands' own checks. Their real runs need the evaluator
/// bound in RuleEngineBinding (merge time); until then they must say so and exit 2.
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

    @Test func untilMergedBothCommandsSayWhatIsMissing() async throws {
        try #require(RuleEngineBinding.evaluators == nil, "wired: replace this test by a real replay and test run")
        let replay = try ReplayCommand.parse(["--from", "2026-11-29T18:00:00Z", "--to", "1795978800", "--step", "1m"])
        await #expect(throws: ExitCode(2)) { try await replay.run() }
        let test = try TestRulesCommand.parse(["none.yml"])
        await #expect(throws: ExitCode(2)) { try await test.run() }
    }
}
