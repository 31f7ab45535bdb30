import ArgumentParser
import FoundationEssentials
import Logging
import Probes
import VandineCore

/// `vandine-exporter probe`: runs one module against targets from the command line and prints the
/// result; wiring only (the work is ``ProbeBatch``).
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe targets once with a module and print the result (metrics for one target, a line per target for several)."
    )

    @Option(name: .customLong("config.file"), help: "Configuration file. Without it the embedded default is used.")
    var configFile: String?

    @Option(name: .customLong("module"), help: "The module to probe with.")
    var module: String

    @Option(name: .customLong("target"), help: "A target, as /probe takes it (repeatable).")
    var targets: [String] = []

    @Option(name: .customLong("targets-file"), help: "A file with one target per line (blank lines and # comments skipped).")
    var targetsFile: String?

    @Option(name: .customLong("concurrency"), help: "Probes in flight at once (an icmp module sweeps all targets together).")
    var concurrency = 1024

    @Flag(name: .customLong("debug"), help: "With one target: print the probe's log, metrics and module as debug=true does.")
    var debug = false

    func validate() throws {
        guard !targets.isEmpty || targetsFile != nil else { throw ValidationError("give --target or --targets-file") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: .warning, format: .logfmt) }
        let config: ExporterConfig
        do {
            config = try ExporterState.loader(configFile: configFile)()
        } catch {
            writeToStandardError("\(error)\n")
            throw ExitCode(1)
        }
        var all = targets
        if let targetsFile {
            guard let text = try? String(contentsOfFile: targetsFile, encoding: .utf8) else {
                writeToStandardError("cannot read --targets-file \(targetsFile)\n")
                throw ExitCode(1)
            }
            // isNewline: a CRLF file's "\r\n" is one Character, which splitting on "\n" never finds.
            all += text.split(whereSeparator: \.isNewline).map { String($0).trimmingBlanks() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard !all.isEmpty else {
                writeToStandardError("--targets-file \(targetsFile) has no targets (one per line; # starts a comment line)\n")
                throw ExitCode(2)
            }
        }
        let icmp = ICMPEngine(privilege: { config.icmp.privileged })
        defer { icmp.shutdown() }
        // One-shot: no start-up stagger for the iperf3 queue (nothing else is testing at once).
        let wiring = ProberWiring.standard(icmp: icmp, iperf3: IPerf3Queue(startupStagger: .zero))
        let handler = ProbeHandler(probers: wiring.registry, logger: Logger(label: "vandine-exporter"))
        if all.count == 1 {
            let response = await handler.handle(ProbeRequest(target: all[0], module: module, debug: debug), config: config)
            guard response.statusCode == 200 else {
                writeToStandardError(response.body)
                throw ExitCode(2)
            }
            print(response.body, terminator: "")
            // Like several targets: a failed probe is exit status 1, for scripts and cron.
            if !response.body.contains("\nprobe_success 1\n") && !response.body.hasPrefix("probe_success 1\n") { throw ExitCode(1) }
            return
        }
        // Several targets with an icmp module are swept together, as fping does (ICMPSweep).
        let results = if case .icmp = config.modules[module]?.options {
            await ProbeBatch.sweep(engine: icmp, config: config, module: module, targets: all)
        } else {
            await ProbeBatch.run(handler: handler, config: config, module: module, targets: all, concurrency: concurrency)
        }
        for result in results { print(ProbeBatch.summaryLine(result)) }
        if results.contains(where: { $0.probe?.success != true }) { throw ExitCode(1) }
    }
}
