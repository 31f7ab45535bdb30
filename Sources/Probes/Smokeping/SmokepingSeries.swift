import Synchronization
import VandineCore

/// One host's cumulative series in continuous mode, for one (`host`, `ip`, `source`) label set:
/// requests sent, the response-time histogram, the last reply's TTL, duplicates and send errors.
///
/// Replies are recorded on the ICMP engine's receive thread, requests on the scheduling loop and
/// reads happen at scrape time, so the counters sit behind one small lock each series owns:
/// a reply takes it, bumps a few integers and returns.
final class SmokepingSeries: Sendable {
    /// The `host` label: a device name or a target as written.
    let host: String
    /// The `ip` label: the address pinged.
    let ip: IPAddress
    /// The `source` label: the configured source address, or "".
    let source: String

    struct Counters: Sendable {
        var requests: UInt64 = 0
        var histogram: LatencyHistogram
        /// smokeping_prober starts the gauge at 0 until the first reply.
        var ttl: Int = 0
        var duplicates: UInt64 = 0
        var sendErrors: UInt64 = 0
    }

    private let counters: Mutex<Counters>

    /// `host="…",ip="…"` and `source="…"`, escaped once for the exposition writer (`le` sorts
    /// between them).
    let labelPrefix: String
    let labelSuffix: String
    /// The buckets' `le` values as the exposition writes them, `+Inf` excluded.
    let bucketLabels: [String]

    init(host: String, ip: IPAddress, source: String, buckets: [Double]) {
        self.host = host
        self.ip = ip
        self.source = source
        self.counters = Mutex(Counters(histogram: LatencyHistogram(bounds: buckets)))
        self.labelPrefix = "host=\"\(ExpositionEncoder.escapedLabelValue(host))\",ip=\"\(ip)\""
        self.labelSuffix = "source=\"\(ExpositionEncoder.escapedLabelValue(source))\""
        self.bucketLabels = buckets.map(ExpositionEncoder.formatValue)
    }

    /// The label set of every series of this host.
    var labels: [String: String] { ["host": host, "ip": ip.description, "source": source] }

    /// One request about to be handed to the kernel.
    func recordRequest() {
        counters.withLock { $0.requests += 1 }
    }

    /// The kernel refused the request just counted (or no session could be opened): it stays a
    /// request, so loss shows it, and counts as a send error.
    func recordSendError() {
        counters.withLock { $0.sendErrors += 1 }
    }

    /// One reply; a duplicate only counts as a duplicate (smokeping_prober's `OnDuplicateRecv`).
    func record(_ reply: EchoReply) {
        let seconds = reply.rtt.inSeconds
        counters.withLock {
            if reply.isDuplicate {
                $0.duplicates += 1
                return
            }
            $0.histogram.observe(seconds)
            if let hopLimit = reply.hopLimit { $0.ttl = hopLimit }
        }
    }

    /// A copy of the counters, for tests and the generic families.
    var snapshot: Counters { counters.withLock { $0 } }

    /// Reads the counters in place under the lock (no copy of the bucket array, which a reply
    /// on the receive thread would otherwise have to copy before it could bump it).
    func read<Result>(_ body: (borrowing Counters) -> Result) -> Result {
        counters.withLock { body($0) }
    }
}
