// The metric model shared by probes, the exposition encoder and the exposition parser.
//
// It mirrors the Prometheus text format 0.0.4 one to one: a family has a name, an optional HELP
// text, a TYPE and a flat list of samples. Samples keep their full series name (`foo_bucket`,
// `foo_sum`, …) and their labels as plain strings (`le`, `quantile` included), so that whatever a
// parser reads can be written back unchanged. Nothing here validates names: the encoder documents
// what it expects and the parser only ever produces valid names.

/// The `# TYPE` of a metric family, as spelled in the Prometheus text format 0.0.4.
public enum MetricType: String, Sendable, CaseIterable {
    /// A value that only goes up (resets to zero on restart).
    case counter
    /// A value that goes up and down.
    case gauge
    /// Cumulative `_bucket` series with an `le` label plus `_sum` and `_count`.
    case histogram
    /// `quantile`-labelled series plus `_sum` and `_count`.
    case summary
    /// A series without a declared type.
    case untyped
}

/// One line of exposition: a series (name + labels) and its value.
///
/// Two samples are equal when name, labels, value and timestamp are equal, where any NaN equals
/// any other NaN (IEEE says NaN != NaN, which would make every round trip through a family that
/// contains a NaN sample "unequal").
public struct Sample: Sendable, Equatable {
    /// The full series name, including a histogram or summary suffix (`foo_bucket`, `foo_sum`).
    public var name: String
    /// The labels of the series; `le` and `quantile` are ordinary labels here.
    public var labels: [String: String]
    /// The sample value. `+Inf`, `-Inf` and NaN are allowed.
    public var value: Double
    /// Optional timestamp in milliseconds since the Unix epoch.
    public var timestamp: Int64?

    /// Creates a sample.
    public init(name: String, labels: [String: String] = [:], value: Double, timestamp: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }

    /// Equality that treats NaN as equal to NaN (see the type's documentation).
    public static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.name == rhs.name
            && lhs.timestamp == rhs.timestamp
            && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN))
            && lhs.labels == rhs.labels
    }
}

/// A metric family: everything that shares one `# HELP` / `# TYPE` header.
///
/// Equality compares name, help and type, and the samples as a multiset: the order of samples in
/// an exposition carries no meaning (the encoder sorts them), so `parse(encode(f)) == f` holds for
/// families built in any order. NaN values compare equal (see ``Sample``).
public struct MetricFamily: Sendable, Equatable {
    /// The family name; for histograms and summaries the name without `_bucket`/`_sum`/`_count`.
    public var name: String
    /// The `# HELP` text, unescaped. `nil` means no HELP line; `""` means a HELP line without text.
    public var help: String?
    /// The `# TYPE` of the family.
    public var type: MetricType
    /// The samples in no particular order.
    public var samples: [Sample]

    /// Creates a family.
    public init(name: String, help: String? = nil, type: MetricType, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// A gauge family with a single sample.
    public static func gauge(_ name: String, help: String? = nil, value: Double, labels: [String: String] = [:]) -> MetricFamily {
        MetricFamily(name: name, help: help, type: .gauge, samples: [Sample(name: name, labels: labels, value: value)])
    }

    /// A counter family with a single sample. The name is used as given: by convention it ends in `_total`.
    public static func counter(_ name: String, help: String? = nil, value: Double, labels: [String: String] = [:]) -> MetricFamily {
        MetricFamily(name: name, help: help, type: .counter, samples: [Sample(name: name, labels: labels, value: value)])
    }

    /// An untyped family with a single sample.
    public static func untyped(_ name: String, help: String? = nil, value: Double, labels: [String: String] = [:]) -> MetricFamily {
        MetricFamily(name: name, help: help, type: .untyped, samples: [Sample(name: name, labels: labels, value: value)])
    }

    /// A histogram family for one label set.
    ///
    /// - Parameters:
    ///   - buckets: upper bounds with their *cumulative* counts, in any order. A `+Inf` bucket is
    ///     added with `count` when missing, as Prometheus requires one.
    ///   - sum: the sum of all observations.
    ///   - count: the number of observations.
    /// The `le` label values are written with ``ExpositionEncoder/formatValue(_:)`` (`"0.5"`, `"1"`, `"+Inf"`).
    public static func histogram(
        _ name: String,
        help: String? = nil,
        buckets: [(upperBound: Double, count: Double)],
        sum: Double,
        count: Double,
        labels: [String: String] = [:]
    ) -> MetricFamily {
        var samples: [Sample] = []
        samples.reserveCapacity(buckets.count + 3)
        var hasInf = false
        for bucket in buckets {
            if bucket.upperBound == .infinity { hasInf = true }
            var l = labels
            l["le"] = ExpositionEncoder.formatValue(bucket.upperBound)
            samples.append(Sample(name: name + "_bucket", labels: l, value: bucket.count))
        }
        if !hasInf {
            var l = labels
            l["le"] = "+Inf"
            samples.append(Sample(name: name + "_bucket", labels: l, value: count))
        }
        samples.append(Sample(name: name + "_sum", labels: labels, value: sum))
        samples.append(Sample(name: name + "_count", labels: labels, value: count))
        return MetricFamily(name: name, help: help, type: .histogram, samples: samples)
    }

    /// Multiset equality of samples (see the type's documentation).
    public static func == (lhs: MetricFamily, rhs: MetricFamily) -> Bool {
        guard lhs.name == rhs.name, lhs.type == rhs.type, lhs.help == rhs.help,
              lhs.samples.count == rhs.samples.count else { return false }
        if lhs.samples == rhs.samples { return true }  // fast path: same order
        let a = lhs.samples.sorted(by: Sample.canonicallyPrecedes)
        let b = rhs.samples.sorted(by: Sample.canonicallyPrecedes)
        return a == b
    }
}

extension Sample {
    /// A strict weak ordering whose equivalence classes are exactly the `==` classes, so two
    /// sorted arrays can be compared element by element. NaN sorts after every number and all NaNs
    /// are equivalent; -0 and +0 are equivalent, as they are under `==`.
    static func canonicallyPrecedes(_ a: Sample, _ b: Sample) -> Bool {
        if a.name != b.name { return a.name < b.name }
        if a.labels != b.labels {
            return LabelOrder.precedes(LabelOrder.sorted(a.labels), LabelOrder.sorted(b.labels))
        }
        if a.value.isNaN != b.value.isNaN { return !a.value.isNaN }
        if !a.value.isNaN && a.value != b.value { return a.value < b.value }
        switch (a.timestamp, b.timestamp) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case let (x?, y?): return x < y
        }
    }
}

/// Ordering of label sets, shared by the encoder and the model.
///
/// It uses `String`'s own `<`, which is consistent with `String`'s `==` (both follow Unicode
/// canonical equivalence). A byte-wise order would be inconsistent with `==` for non-ASCII label
/// values and break sorting-based comparisons.
enum LabelOrder {
    /// The labels as pairs sorted by name.
    static func sorted(_ labels: [String: String]) -> [(key: String, value: String)] {
        if labels.count < 2 { return labels.map { ($0.key, $0.value) } }
        return labels.map { ($0.key, $0.value) }.sorted { $0.key < $1.key }
    }

    /// Lexicographic comparison of two sorted label lists: name, then value, pair by pair.
    static func precedes(_ a: [(key: String, value: String)], _ b: [(key: String, value: String)]) -> Bool {
        for (x, y) in zip(a, b) {
            if x.key != y.key { return x.key < y.key }
            if x.value != y.value { return x.value < y.value }
        }
        return a.count < b.count
    }
}
