@testable import AlertCore
import TestSupport
import Testing

/// The promtool-format conformance cases under monitoring/prometheus/rules/tests/ (issue 9).
@Suite struct ConformanceTests {
    static let directory = repositoryRoot + "/monitoring/prometheus/rules/tests"
    static let cases = ymlFiles(in: directory)

    @Test func thereAreAtLeastTwelveCases() {
        #expect(Self.cases.count >= 12, "\(Self.cases)")
    }

    @Test func everyCasePassesPromtool() async throws {
        let result = try await Command.runOffPool("promtool", ["test", "rules"] + Self.cases)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").filter { $0 == "  SUCCESS" }.count == Self.cases.count)
    }

    @Test func everyRuleFilePassesPromtoolCheck() async throws {
        let files = ymlFiles(in: repositoryRoot + "/monitoring/prometheus/rules")
        #expect(!files.isEmpty)
        let result = try await Command.runOffPool("promtool", ["check", "rules"] + files)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    }

    @Test func everyCaseParsesHere() throws {
        for path in Self.cases {
            let file = try RuleTestFile.load(path: path)
            #expect(!file.ruleFiles.isEmpty && file.unmatchedPatterns.isEmpty, "\(path)")
            #expect(!file.tests.isEmpty, "\(path)")
        }
    }

    /// The same cases through OUR rule-file loader, templates and evaluator (what
    /// `alertmanager-lite test rules` runs): the same output as promtool's, byte for byte.
    @Test func everyCasePassesThroughOurEvaluator() async throws {
        let evaluators = RuleEngineBinding.evaluators
        final class Sink: @unchecked Sendable { var out = ""; var err = "" }
        let sink = Sink()
        let runner = RuleTestRunner(evaluators: evaluators, store: PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource))
        let status = await RuleTestCommandOutput.run(Self.cases, runner: runner, stdout: { sink.out += $0 }, stderr: { sink.err += $0 })
        #expect(status == 0, "\(sink.out)\n\(sink.err)")
        let promtool = try await Command.runOffPool("promtool", ["test", "rules"] + Self.cases)
        #expect(sink.out == promtool.stdout)
    }
}
