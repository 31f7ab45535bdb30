import VandineCore

/// The `iperf3` prober: one throughput test with the `iperf3` binary against the target's iperf3
/// server, through the process's ``IPerf3Queue`` (one run at a time per server; equal concurrent
/// probes share one run; busy servers retried).
///
/// The exporter resolves the target itself (`preferred_ip_protocol`, `probe_dns_lookup_time_seconds`)
/// and hands iperf3 the address, so the address checked against `allowed_targets` is the one tested.
///
/// Metrics (iperf3_exporter's names): `iperf3_up`, `iperf3_sent_seconds`, `iperf3_sent_bytes`,
/// `iperf3_received_seconds`, `iperf3_received_bytes`, `iperf3_retransmits` (TCP),
/// `iperf3_{sent,received}_{packets,jitter_ms,lost_packets,lost_percent}` (UDP); ours:
/// `vandine_iperf3_sent_bits_per_second`, `vandine_iperf3_received_bits_per_second`. A failed run
/// reports `iperf3_up 0` and none of the throughput series.
public struct IPerf3Prober: Prober {
    let queue: IPerf3Queue

    public init(queue: IPerf3Queue) {
        self.queue = queue
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .iperf3(options) = context.module.options else {
            context.log.fail("the iperf3 prober was given a \(context.module.prober) module")
            return false
        }
        let up = { (value: Double) in
            context.metrics.gauge("iperf3_up", value, help: "Was the last iperf3 probe successful (1 for success, 0 for failure).")
        }
        up(0)
        let port = context.target.port ?? options.port
        guard let resolved = await TargetResolver.resolve(context.target.endpoint, defaultPort: port,
                                                          preference: options.ipProtocol, context: context) else {
            return false
        }
        let command = IPerf3Command(binary: options.binary, host: resolved.ip.unmappingIPv4.description, port: port, options: options)
        context.log.log("iperf3 \(options.transport.rawValue) test of \(options.duration)\(options.reverse ? " (reverse: the server sends)" : "") to \(command.server)")
        let (run, joined) = await queue.run(command, deadline: context.deadline)
        if joined { context.log.log("joined the run to \(command.server) that another probe had queued or started") }
        for note in run.notes { context.log.log(note) }
        switch run.result {
        case let .success(report):
            report.record(into: context.metrics)
            up(1)
            let rate = (report.received.bits_per_second ?? 0) / 1e6
            context.log.log("received \(rate.formatted(decimals: 1)) Mbit/s in \((report.received.seconds ?? 0).formatted(decimals: 3))s")
            return true
        case let .failure(failure):
            context.log.fail(failure.reason)
            return false
        }
    }
}
