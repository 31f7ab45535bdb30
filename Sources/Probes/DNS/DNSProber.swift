import NIOCore
import VandineCore

/// blackbox_exporter's `dns` prober: asks the target (a DNS server, port 53 unless given) one
/// question over UDP or TCP, then checks the reply's rcode against `valid_rcodes` and each
/// section's RRs against its `validate_*_rrs` regexes.
///
/// Metrics (blackbox's names, recorded as soon as each is known, so a probe cut off at the deadline
/// keeps what it measured): `probe_dns_duration_seconds{phase="resolve|connect|request"}`,
/// `probe_dns_answer_rrs`, `probe_dns_authority_rrs`, `probe_dns_additional_rrs`,
/// `probe_dns_query_succeeded`, `probe_dns_serial` (SOA queries); plus ours: `probe_dns_rcode` and
/// `probe_dns_answer_ttl_seconds` (the smallest TTL in the answer section, when it has RRs).
/// Like blackbox, the phases, RR counts and `probe_dns_query_succeeded` start at 0.
public struct DNSProber: Prober {
    public init() {}

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .dns(options) = context.module.options else { return false }
        let metrics = context.metrics
        for phase in ["resolve", "connect", "request"] { Self.recordPhase(phase, .zero, metrics) }
        Self.recordCounts(answer: 0, authority: 0, additional: 0, metrics)
        metrics.gauge("probe_dns_query_succeeded", 0, help: "Displays whether or not the query was executed successfully")

        let resolveStart = ContinuousClock.now
        let resolved = await TargetResolver.resolve(context.target.endpoint, defaultPort: 53,
                                                    preference: options.ipProtocol, context: context)
        Self.recordPhase("resolve", ContinuousClock.now - resolveStart, metrics)
        guard let resolved else { return false }
        let address = resolved.address
        let server = resolved.description

        let source: SocketAddress?
        do {
            source = try options.sourceIPAddress.map { try SocketAddress(ipAddress: $0, port: 0) }
        } catch {
            context.log.fail("source_ip_address \(options.sourceIPAddress ?? ""): \(ProbeError.reason(error))")
            return false
        }
        let id = UInt16.random(in: .min ... .max)
        let query: [UInt8]
        do {
            query = try DNSMessage.query(name: options.queryName, type: options.queryTypeCode, class: options.queryClassCode,
                                         id: id, recursionDesired: options.recursionDesired)
        } catch {
            context.log.fail(error.description)
            return false
        }
        let transport = options.transportProtocol.rawValue
        context.log.log("asking \(server) over \(transport) for \(options.queryName) \(options.queryType) \(options.queryClass) (id \(id), recursion \(options.recursionDesired ? "desired" : "not desired"))")

        let tcp = options.transportProtocol == .tcp
        let exchangeStart = ContinuousClock.now
        let outcome = await DNSTransport.exchange(query, id: id, to: address, from: source, tcp: tcp, deadline: context.deadline) { connect in
            Self.recordPhase("connect", connect, metrics)
        }
        let exchange: DNSTransport.Exchange
        switch outcome {
        case let .success(value):
            exchange = value
        case let .failure(.timedOut(step)) where step == "reply":
            let waited = Self.seconds(ContinuousClock.now - exchangeStart)
            context.log.fail("no reply from \(server) over \(transport) within \(waited)")
            return false
        case let .failure(failure):
            context.log.fail("query to \(server) over \(transport) failed: \(failure.reason)")
            return false
        }
        Self.recordPhase("request", exchange.request, metrics)

        let reply: DNSMessage.Reply
        do {
            reply = try DNSMessage.parse(exchange.reply)
        } catch {
            context.log.fail("\(server) sent an unreadable reply: \(error.description)")
            return false
        }
        Self.recordCounts(answer: reply.answer.count, authority: reply.authority.count, additional: reply.additional.count, metrics)
        metrics.gauge("probe_dns_query_succeeded", 1, help: "Displays whether or not the query was executed successfully")
        metrics.gauge("probe_dns_rcode", Double(reply.rcode), help: "The response code of the DNS reply (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...)")
        if let ttl = reply.answer.map(\.ttl).min() {
            metrics.gauge("probe_dns_answer_ttl_seconds", Double(ttl), help: "The smallest TTL of the RRs in the answer section")
        }
        if options.queryTypeCode == DNSNames.types["SOA"] || reply.answer.contains(where: { $0.soaSerial != nil }) {
            // blackbox: present for SOA queries, the last SOA's serial in the answer (0 when none).
            let serial = reply.answer.last { $0.soaSerial != nil }?.soaSerial ?? 0
            metrics.gauge("probe_dns_serial", Double(serial), help: "Returns the serial number of the zone")
        }
        let rcodeName = DNSNames.rcodeName(reply.rcode)
        context.log.log("reply \(rcodeName) in \(Self.seconds(exchange.request)): \(reply.answer.count) answer, \(reply.authority.count) authority, \(reply.additional.count) additional RRs")
        if reply.truncated && !tcp {
            // blackbox (miekg/dns) does not retry a truncated UDP reply over TCP; neither do we.
            context.log.log("the reply is truncated (TC flag): only part of the RRs arrived; transport_protocol tcp gets them all")
        }

        guard options.validRcodeValues.contains(reply.rcode) else {
            context.log.fail("server replied \(rcodeName), valid rcodes are \(options.validRcodes.joined(separator: ", "))")
            return false
        }
        for (section, records, validator) in [("answer", reply.answer, options.validateAnswer),
                                              ("authority", reply.authority, options.validateAuthority),
                                              ("additional", reply.additional, options.validateAdditional)] {
            if let problem = DNSRRValidation.problem(section: section, records: records.map(\.text), validator: validator, log: context.log) {
                context.log.fail(problem)
                return false
            }
        }
        return true
    }

    private static func recordPhase(_ phase: String, _ duration: Duration, _ metrics: MetricsSink) {
        metrics.gauge("probe_dns_duration_seconds", duration.inSeconds, help: "Duration of DNS request by phase", labels: ["phase": phase])
    }

    private static func recordCounts(answer: Int, authority: Int, additional: Int, _ metrics: MetricsSink) {
        metrics.gauge("probe_dns_answer_rrs", Double(answer), help: "Returns number of entries in the answer resource record list")
        metrics.gauge("probe_dns_authority_rrs", Double(authority), help: "Returns number of entries in the authority resource record list")
        metrics.gauge("probe_dns_additional_rrs", Double(additional), help: "Returns number of entries in the additional resource record list")
    }

    /// `0.3s`, `1.25s`, `12ms`.
    static func seconds(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        if seconds < 0.1 { return "\(Int((seconds * 1000).rounded()))ms" }
        return "\((seconds * 100).rounded() / 100)s"
    }
}
