import VandineCore

/// Probes many targets with one module, at most `concurrency` at a time, outside any HTTP server:
/// the `vandine-exporter probe` command (for scripts, benchmarks and checking a module by hand).
public enum ProbeBatch {
    /// One target's outcome.
    public struct Result: Sendable {
        public var target: String
        /// nil when the target was refused (malformed, or not allowed by the config).
        public var probe: CompletedProbe?
        /// Why the target was refused.
        public var refusal: String?
    }

    /// Runs the module against every target through `handler` (the same path as `/probe`: target
    /// policy, one deadline, backstop) and returns the results in the targets' order.
    public static func run(handler: ProbeHandler, config: ExporterConfig, module name: String, targets: [String],
                           concurrency: Int) async -> [Result] {
        guard let module = config.modules[name] else {
            return targets.map { Result(target: $0, probe: nil, refusal: "unknown module \"\(HostPort.printable(name))\"") }
        }
        var results = [Result?](repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask {
                    let text = targets[index]
                    switch TargetPolicy.resolve(text, form: module.options.targetForm, in: config) {
                    case let .failure(.malformed(reason)), let .failure(.forbidden(reason)):
                        return (index, Result(target: text, probe: nil, refusal: reason))
                    case let .success(target):
                        return (index, Result(target: text, probe: await handler.run(target: target, module: module, config: config)))
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            for await (index, result) in group {
                results[index] = result
                startNext()
            }
        }
        return results.map { $0! }
    }

    /// Sweeps every target with an icmp module at once through the engine (``ICMPSweep``: the
    /// rounds of requests go out together, as fping sends them), instead of one probe each. Targets
    /// pass the same policy as `/probe`; names are resolved first. The results carry the icmp
    /// prober's packet and RTT metrics and `probe_success`.
    public static func sweep(engine: any ICMPEchoing, config: ExporterConfig, module name: String, targets: [String]) async -> [Result] {
        guard let module = config.modules[name], case let .icmp(options) = module.options else {
            return targets.map { Result(target: $0, probe: nil, refusal: "module \"\(HostPort.printable(name))\" is not an icmp module") }
        }
        let start = ContinuousClock.now
        let deadline = start + module.timeout.duration
        var results = targets.map { Result(target: $0, probe: nil, refusal: nil) }
        var destinations: [(index: Int, destination: ICMPDestination)] = []
        for (index, text) in targets.enumerated() {
            switch TargetPolicy.resolve(text, form: module.options.targetForm, in: config) {
            case let .failure(.malformed(reason)), let .failure(.forbidden(reason)):
                results[index].refusal = reason
            case let .success(target):
                let context = ProbeContext(target: target, module: module, log: ProbeLog(), deadline: deadline)
                guard let resolved = await TargetResolver.resolve(target.endpoint, preference: options.ipProtocol, context: context) else {
                    results[index].refusal = context.log.failureReason ?? "cannot resolve \(target.host)"
                    continue
                }
                destinations.append((index, ICMPProber.destination(resolved)))
            }
        }
        var echoOptions = EchoOptions(payloadSize: options.payloadSize, ttl: options.ttl, dontFragment: options.dontFragment)
        echoOptions.source = options.sourceIPAddress.flatMap(IPAddress.init)
        let swept = await ICMPSweep.run(engine: engine, destinations: destinations.map(\.destination), options: echoOptions,
                                        packets: options.packets, interval: options.interval.duration, deadline: deadline)
        let seconds = (ContinuousClock.now - start).inSeconds
        for (position, outcome) in swept.enumerated() {
            var tally = ReplyCollector.Tally()
            tally.sent = outcome.sent
            tally.rtts = outcome.rtts
            tally.duplicates = outcome.duplicates
            tally.hopLimit = outcome.hopLimit
            var metrics = MetricSet()
            ICMPProber.record(tally, into: &metrics)
            let success = outcome.sent > 0 && !outcome.rtts.isEmpty
                && Double(outcome.rtts.count) / Double(outcome.sent) >= options.minSuccessRatio
            metrics.gauge("probe_success", success ? 1 : 0, help: "Displays whether or not the probe was a success")
            metrics.gauge("probe_duration_seconds", seconds, help: "Returns how long the probe took to complete in seconds")
            results[destinations[position].index].probe = CompletedProbe(success: success, metrics: metrics,
                                                                          log: outcome.error.map { [$0] } ?? [], finishedAt: .now)
        }
        return results
    }

    /// One line per target: `TARGET success=1 duration_seconds=0.801` followed by the probe's
    /// headline metrics when it has them (ICMP loss and RTT, HTTP status), or `refused: REASON`.
    public static func summaryLine(_ result: Result) -> String {
        guard let probe = result.probe else { return "\(HostPort.printable(result.target)) refused: \(result.refusal ?? "")" }
        var fields = ["success=\(probe.success ? 1 : 0)"]
        let headline = [
            "probe_duration_seconds", "probe_icmp_packets_sent", "probe_icmp_packets_received", "probe_icmp_packet_loss_ratio",
            "probe_icmp_rtt_avg_seconds", "probe_icmp_rtt_stddev_seconds", "probe_http_status_code",
        ]
        for name in headline {
            guard let value = probe.metrics.sample(named: name) else { continue }
            fields.append("\(name.dropFirst("probe_".count))=\(ExpositionEncoder.formatValue(value))")
        }
        return "\(HostPort.printable(result.target)) " + fields.joined(separator: " ")
    }
}
