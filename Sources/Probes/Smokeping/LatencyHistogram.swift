/// A Prometheus histogram's state in plain counters: one count per bucket (not cumulative, so an
/// observation touches one slot), the total count and the sum. A value type kept behind the
/// owner's lock; `observe` neither allocates nor searches more than the bucket list.
struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, increasing; `+Inf` is implied.
    let bounds: [Double]
    /// Observations per bucket; the last slot is the `+Inf`-only bucket.
    private(set) var counts: [UInt64]
    private(set) var count: UInt64 = 0
    /// Sum of the observed values in seconds.
    private(set) var sum: Double = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Records one value in seconds (`le` is inclusive, as in Prometheus).
    mutating func observe(_ seconds: Double) {
        var low = 0, high = bounds.count  // first bound >= seconds, or bounds.count for +Inf
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] >= seconds { high = middle } else { low = middle + 1 }
        }
        counts[low] += 1
        count += 1
        sum += seconds
    }

    /// The cumulative buckets as the exposition writes them, `+Inf` included.
    var cumulativeBuckets: [(upperBound: Double, count: Double)] {
        var running: UInt64 = 0
        var out: [(upperBound: Double, count: Double)] = []
        out.reserveCapacity(bounds.count + 1)
        for (index, bound) in bounds.enumerated() {
            running += counts[index]
            out.append((bound, Double(running)))
        }
        out.append((.infinity, Double(count)))
        return out
    }
}
