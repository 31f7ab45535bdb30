import AlertCore
import ArgumentParser

/// `alertmanager-lite test …`, as `promtool test …`.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Unit tests, as promtool's.",
        subcommands: [TestRulesCommand.self]
    )
}

/// `alertmanager-lite test rules FILE…`: runs `promtool test rules` files against our evaluator
/// over a temporary, backfilled Prometheus; prints and exits as promtool 2.42 does.
struct TestRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Runs rule unit tests in promtool's test-file format against alertmanager-lite's evaluator."
    )

    @Argument(help: "Test files (promtool test rules format).")
    var files: [String]

    @Option(name: .customLong("prometheus.path"), help: "The prometheus binary that serves the backfilled series.")
    var prometheus = "prometheus"

    @Option(name: .customLong("promtool.path"), help: "The promtool binary that builds TSDB blocks from OpenMetrics.")
    var promtool = "promtool"

    func run() async throws {
        let evaluators = RuleEngineBinding.evaluators
        let store = PrometheusBackfill(prometheus: prometheus, promtool: promtool, makeDatasource: RuleEngineBinding.makeDatasource)
        let status = await RuleTestCommandOutput.run(files, runner: RuleTestRunner(evaluators: evaluators, store: store),
                                                     stdout: ConsoleOutput.standardOutput, stderr: ConsoleOutput.standardError)
        if status != 0 { throw ExitCode(status) }
    }
}
