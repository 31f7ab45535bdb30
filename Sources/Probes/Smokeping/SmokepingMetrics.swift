import VandineCore

/// smokeping_prober's series, with its names, label names (`host`, `ip`, `source`), HELP texts and
/// types, so its Grafana dashboards and recording rules work unchanged. HELP texts are
/// smokeping_prober's own (0.6.1 as captured from the Debian binary; the error counters and the
/// `source` label as in its 0.7+ source, `pkg/cmd/collector.go`).
enum SmokepingMetrics {
    static let requests = "smokeping_requests_total"
    static let requestsHelp = "Number of ping requests sent"
    static let duration = "smokeping_response_duration_seconds"
    static let durationHelp = "A histogram of latencies for ping responses."
    static let ttl = "smokeping_response_ttl"
    static let ttlHelp = "The last response Time To Live (TTL)."
    static let duplicates = "smokeping_response_duplicates_total"
    static let duplicatesHelp = "The number of duplicated response packets."
    static let sendErrors = "smokeping_send_errors_total"
    static let sendErrorsHelp = "The number of errors when Pinger attempts to send packets."
    static let receiveErrors = "smokeping_receive_errors_total"
    static let receiveErrorsHelp = "The number of errors when Pinger attempts to receive packets."

    /// The families for these series; `receiveErrors` is the engine's process-wide count.
    static func families(_ series: [SmokepingSeries], receiveErrors: UInt64) -> [MetricFamily] {
        var requests = MetricFamily(name: Self.requests, help: requestsHelp, type: .counter)
        var duration = MetricFamily(name: Self.duration, help: durationHelp, type: .histogram)
        var ttl = MetricFamily(name: Self.ttl, help: ttlHelp, type: .gauge)
        var duplicates = MetricFamily(name: Self.duplicates, help: duplicatesHelp, type: .counter)
        var sendErrors = MetricFamily(name: Self.sendErrors, help: sendErrorsHelp, type: .counter)
        for host in series {
            let labels = host.labels
            let counters = host.snapshot
            requests.samples.append(Sample(name: Self.requests, labels: labels, value: Double(counters.requests)))
            duration.samples += MetricFamily.histogram(Self.duration, buckets: counters.histogram.cumulativeBuckets,
                                                       sum: counters.histogram.sum, count: Double(counters.histogram.count),
                                                       labels: labels).samples
            ttl.samples.append(Sample(name: Self.ttl, labels: labels, value: Double(counters.ttl)))
            duplicates.samples.append(Sample(name: Self.duplicates, labels: labels, value: Double(counters.duplicates)))
            sendErrors.samples.append(Sample(name: Self.sendErrors, labels: labels, value: Double(counters.sendErrors)))
        }
        let received = MetricFamily.counter(Self.receiveErrors, help: receiveErrorsHelp, value: Double(receiveErrors))
        return [requests, duration, ttl, duplicates, sendErrors, received].filter { !$0.samples.isEmpty }
    }
}
