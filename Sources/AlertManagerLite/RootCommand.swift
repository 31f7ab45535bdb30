import ArgumentParser
import VandineCore

/// `alertmanager-lite`: `serve` (the default, so `alertmanager-lite --config.file F` runs the
/// daemon) and the tool subcommands. The daemon's flags live in `serve`, not here: a parent and a
/// subcommand with the same option name lose the subcommand's value (docs/pitfalls.md).
@main
struct AlertManagerLiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager-lite",
        abstract: "Evaluates Prometheus alerting rules, keeps their state in SQLite and serves Prometheus- and Alertmanager-shaped APIs.",
        version: BuildInfo.version,
        subcommands: [ServeCommand.self, CheckConfigCommand.self, TestCommand.self, ReplayCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
