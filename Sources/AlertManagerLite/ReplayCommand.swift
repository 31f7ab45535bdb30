import AlertCore
import ArgumentParser
import VandineCore

/// `alertmanager-lite replay --from … --to … [--step …] [--config.file …]`: evaluates the
/// config's rule groups over the datasource's stored history with a virtual clock and prints
/// every alert state change, then a summary. Nothing is stored or sent.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Evaluates the rules over stored history and prints every alert state change."
    )

    @Option(name: .customLong("from"), help: "Start: RFC 3339 (2026-11-29T18:00:00Z) or Unix seconds.")
    var from: String

    @Option(name: .customLong("to"), help: "End (inclusive): RFC 3339 or Unix seconds.")
    var to: String

    @Option(name: .customLong("step"), help: "Evaluation step (Prometheus duration); default: each group's interval.")
    var step: String?

    @Option(name: .customLong("config.file"), help: "alertmanager-lite configuration file (default: the embedded one).")
    var configFile: String?

    func run() async throws {
        guard let start = RFC3339Time.parse(from) else { throw ValidationError("--from: not RFC 3339 or Unix seconds: \(from)") }
        guard let end = RFC3339Time.parse(to) else { throw ValidationError("--to: not RFC 3339 or Unix seconds: \(to)") }
        var stepSeconds: Double?
        if let step {
            guard let duration = PrometheusDuration(step), duration.milliseconds > 0 else {
                throw ValidationError("--step: must be a positive duration like 30s or 1m, got \(step)")
            }
            stepSeconds = duration.seconds
        }
        let evaluators = RuleEngineBinding.evaluators
        let source: ReplaySource
        do { source = try RuleEngineBinding.replaySource(configFile) } catch {
            ConsoleOutput.standardError("alertmanager-lite replay: \(error)\n")
            throw ExitCode(1)
        }
        let evaluator = evaluators.makeEvaluator(groups: source.groups, datasource: source.datasource, externalLabels: source.externalLabels,
                                                 externalURL: source.externalURL)
        let runner = ReplayRunner(groups: source.groups, evaluationInterval: source.evaluationInterval)
        let report: ReplayRunner.Report
        do { report = try await runner.run(evaluator: evaluator, from: start, to: end, step: stepSeconds) } catch {
            throw ValidationError(error.description)
        }
        for change in report.changes { ConsoleOutput.standardOutput(change.line + "\n") }
        for error in report.errors { ConsoleOutput.standardError(error + "\n") }
        ConsoleOutput.standardOutput(report.summary + "\n")
    }
}
