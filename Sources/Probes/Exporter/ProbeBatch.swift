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
