import NIOCore
import VandineCore

/// The `icmp` prober: blackbox_exporter's ICMP probe, with `packets` echo requests `interval`
/// apart instead of one, through the process's one ``ICMPEchoing`` engine.
///
/// Metrics: blackbox's `probe_icmp_duration_seconds{phase="resolve|setup|rtt"}` (with several
/// packets `rtt` is their average) and `probe_icmp_reply_hop_limit`, plus
/// `probe_icmp_packets_sent`, `probe_icmp_packets_received`, `probe_icmp_packet_loss_ratio`,
/// `probe_icmp_duplicates` and `probe_icmp_rtt_{min,avg,max,stddev,median}_seconds`. They are
/// recorded as packets go and come, so a probe cut off at its deadline reports what it sent and
/// received so far. The probe succeeds when received ÷ sent reaches `min_success_ratio`.
public struct ICMPProber: Prober {
    let engine: any ICMPEchoing

    public init(engine: any ICMPEchoing) {
        self.engine = engine
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .icmp(options) = context.module.options else {
            context.log.fail("the icmp prober was given a \(context.module.prober) module")
            return false
        }
        let metrics = context.metrics
        for phase in ["resolve", "setup", "rtt"] { Self.recordPhase(phase, 0, metrics) }

        let lookupStart = ContinuousClock.now
        guard let resolved = await TargetResolver.resolve(context.target.endpoint, preference: options.ipProtocol, context: context) else {
            return false
        }
        Self.recordPhase("resolve", (ContinuousClock.now - lookupStart).inSeconds, metrics)

        var echoOptions = EchoOptions(payloadSize: options.payloadSize, ttl: options.ttl, dontFragment: options.dontFragment)
        let destination = Self.destination(resolved)
        if destination.address.isIPv4 != resolved.ip.isIPv4 {
            context.metrics.gauge("probe_ip_protocol", 4, help: "Specifies whether probe ip protocol is IP4 or IP6")
            context.log.log("\(resolved.ip) is IPv4-mapped: pinging \(destination) over IPv4")
        }
        if let source = options.sourceIPAddress.flatMap(IPAddress.init) {
            guard source.isIPv4 == destination.address.isIPv4 else {
                context.log.fail("source_ip_address \(source) is \(source.isIPv4 ? "IPv4" : "IPv6") but \(context.target.host) resolved to \(resolved.ip)")
                return false
            }
            echoOptions.source = source
        }
        // The counts are written when the handler takes its snapshot (at the end, or when the
        // deadline cuts the probe off), not on every send and reply.
        let collector = ReplyCollector(planned: options.packets)
        metrics.recordAtSnapshot { set in Self.record(collector.tally, into: &set) }

        let setupStart = ContinuousClock.now
        let session: any EchoSession
        do {
            session = try engine.openSession(to: destination, options: echoOptions) { collector.record($0) }
        } catch {
            context.log.fail(error.description)
            return false
        }
        defer { session.close() }
        Self.recordPhase("setup", (ContinuousClock.now - setupStart).inSeconds, metrics)

        context.log.log("sending \(options.packets) echo request\(options.packets == 1 ? "" : "s") to \(destination), \(options.payloadSize) bytes of data\(options.packets > 1 ? ", \(options.interval) apart" : "")")
        // The first request goes now; the engine's thread sends the others on time and ends the
        // wait at the deadline: no sleeping task or timer per packet (a 1,024-target sweep spent
        // most of its CPU on those).
        let log = context.log
        let send: @Sendable (Int) -> Void = { index in
            guard !collector.isFinished else { return }
            do throws(ICMPError) {
                try session.send()
                collector.recordAttempt(sent: true)
            } catch {
                if index == 0 { log.fail(error.description) } else { log.log("request \(index + 1): \(error.description)") }
                collector.recordAttempt(sent: false)
            }
        }
        let start = ContinuousClock.now
        send(0)
        for index in 1..<max(1, options.packets) {
            let due = start + options.interval.duration * index
            guard due < context.deadline else {
                // Past the deadline: never sent, so neither counted as sent nor as lost.
                collector.recordAttempt(sent: false)
                continue
            }
            engine.schedule(at: due) { send(index) }
        }
        let deadlineWake = engine.schedule(at: context.deadline) { collector.wake() }
        await collector.waitForReplies()
        engine.cancel(deadlineWake)

        let tally = collector.tally
        let received = tally.rtts.count
        if tally.sent > 0 {
            context.log.log("\(tally.sent) sent, \(received) received, \(tally.duplicates) duplicate\(tally.duplicates == 1 ? "" : "s")")
        }
        guard tally.sent > 0 else { return false }
        let ratio = Double(received) / Double(tally.sent)
        guard received > 0, ratio >= options.minSuccessRatio else {
            context.log.fail(received == 0
                ? "no echo reply from \(destination) before the deadline"
                : "\(received) of \(tally.sent) echo requests answered, below min_success_ratio \(options.minSuccessRatio)")
            return false
        }
        return true
    }

    static func recordPhase(_ phase: String, _ seconds: Double, _ metrics: MetricsSink) {
        metrics.gauge("probe_icmp_duration_seconds", seconds, help: "Duration of icmp request by phase", labels: ["phase": phase])
    }

    /// Everything the tally says, as metrics.
    static func record(_ tally: ReplyCollector.Tally, into metrics: inout MetricSet) {
        let received = tally.rtts.count
        metrics.gauge("probe_icmp_packets_sent", Double(tally.sent), help: "Echo requests sent")
        metrics.gauge("probe_icmp_packets_received", Double(received), help: "Echo requests answered (duplicates not counted)")
        if tally.sent > 0 {
            metrics.gauge("probe_icmp_packet_loss_ratio", 1 - Double(received) / Double(tally.sent),
                          help: "Share of echo requests not answered, 0 to 1")
        }
        metrics.gauge("probe_icmp_duplicates", Double(tally.duplicates), help: "Duplicate echo replies received")
        if let hopLimit = tally.hopLimit {
            metrics.gauge("probe_icmp_reply_hop_limit", Double(hopLimit), help: "Replied packet hop limit (TTL for ipv4)")
        }
        guard let statistics = RTTStatistics(tally.rtts) else { return }
        metrics.gauge("probe_icmp_duration_seconds", statistics.average, help: "Duration of icmp request by phase", labels: ["phase": "rtt"])
        metrics.gauge("probe_icmp_rtt_min_seconds", statistics.minimum, help: "Shortest echo round trip in seconds")
        metrics.gauge("probe_icmp_rtt_avg_seconds", statistics.average, help: "Mean echo round trip in seconds")
        metrics.gauge("probe_icmp_rtt_max_seconds", statistics.maximum, help: "Longest echo round trip in seconds")
        metrics.gauge("probe_icmp_rtt_stddev_seconds", statistics.standardDeviation,
                      help: "Population standard deviation of the echo round trips in seconds (jitter; ping's mdev)")
        metrics.gauge("probe_icmp_rtt_median_seconds", statistics.median, help: "Median echo round trip in seconds")
    }

    /// Where the echoes go. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, RFC 4291 §2.5.5.2)
    /// names an IPv4 host — the allowlist compares it as IPv4 too — and ICMPv6 sent to it never
    /// arrives, so it is pinged over IPv4.
    static func destination(_ resolved: TargetResolver.Resolved) -> ICMPDestination {
        let address = resolved.ip.unmappingIPv4
        return ICMPDestination(address: address, scopeID: address.isIPv4 ? 0 : scopeID(of: resolved.address))
    }

    /// The interface index of a zoned IPv6 address, else 0.
    static func scopeID(of address: SocketAddress) -> UInt32 {
        if case let .v6(v6) = address { return v6.address.sin6_scope_id }
        return 0
    }
}
