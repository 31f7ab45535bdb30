import ArgumentParser
import VandineCore

/// `vandine-exporter`: `serve` (the default, so `vandine-exporter --config.file F` runs the daemon
/// as blackbox_exporter users expect) or `probe`.
@main
struct VandineExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vandine-exporter",
        abstract: "Prometheus exporter for a small network: probes devices on /probe, serves its own metrics on /metrics.",
        version: BuildInfo.version,
        subcommands: [ServeCommand.self, ProbeCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
