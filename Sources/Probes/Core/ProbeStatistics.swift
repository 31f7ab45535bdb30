import Synchronization
import VandineCore

/// Counts and durations of probes by module, for the exporter's own `/metrics`.
public final class ProbeStatistics: Sendable {
    /// Histogram bucket bounds in seconds: probes range from sub-millisecond loopback connects to
    /// multi-second throughput runs.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct PerModule {
        var successes = 0
        var failures = 0
        var sum = 0.0
        var bucketCounts = [Int](repeating: 0, count: ProbeStatistics.buckets.count)
    }

    private let state = Mutex<[String: PerModule]>([:])

    public init() {}

    /// Records one finished probe.
    public func record(module: String, success: Bool, seconds: Double) {
        state.withLock { modules in
            var entry = modules[module, default: PerModule()]
            if success { entry.successes += 1 } else { entry.failures += 1 }
            entry.sum += seconds
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound {
                entry.bucketCounts[index] += 1
            }
            modules[module] = entry
        }
    }

    /// `vandine_exporter_probes_total{module,result}` and `vandine_exporter_probe_duration_seconds{module}`.
    public func families() -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        var set = MetricSet()
        for (module, entry) in snapshot {
            for (result, count) in [("success", entry.successes), ("failure", entry.failures)] {
                set.counter("vandine_exporter_probes_total", Double(count), help: "Probes run, by module and result.",
                            labels: ["module": module, "result": result])
            }
            set.add(.histogram("vandine_exporter_probe_duration_seconds", help: "How long probes took, by module.",
                               buckets: Array(zip(Self.buckets, entry.bucketCounts.map(Double.init))),
                               sum: entry.sum, count: Double(entry.successes + entry.failures), labels: ["module": module]))
        }
        return set.families
    }
}
