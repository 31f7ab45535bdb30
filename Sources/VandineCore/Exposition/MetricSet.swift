// A collection that probes and collectors append to while they run; the handler encodes it once
// at the end. It is a value type, so each probe can fill its own set and the handler merges them.

/// A conflict found while adding to a ``MetricSet``: the same family name with two types.
///
/// Conflicts are recorded instead of thrown or trapped: one misbehaving collector must not fail a
/// whole scrape (node_exporter's rule), and swift-prometheus's `fatalError` on conflicting
/// registrations is exactly what we avoid. The handler can log ``MetricSet/conflicts`` or expose
/// their count.
public struct MetricSetConflict: Sendable, Equatable, CustomStringConvertible {
    /// The family name that was added twice.
    public var name: String
    /// The type the family already had; it is kept.
    public var existingType: MetricType
    /// The type of the rejected addition; its samples were dropped.
    public var rejectedType: MetricType

    /// A sentence naming the metric and both types.
    public var description: String {
        "metric \"\(name)\" was added as \(rejectedType.rawValue) but is already a \(existingType.rawValue); the \(rejectedType.rawValue) samples were dropped"
    }
}

/// A set of metric families keyed by name.
///
/// - Adding a family whose name exists merges its samples into the existing family. A sample with
///   the same series name and labels as one already present replaces it (last write wins), so a
///   probe may set a gauge twice and the exposition never holds a duplicate series.
/// - Adding a family whose name exists with a *different* type keeps the existing family, drops
///   the new samples and records a ``MetricSetConflict`` in ``conflicts``.
/// - The first non-nil HELP text of a family wins.
public struct MetricSet: Sendable {
    /// Identifies one series inside a family, for last-write-wins replacement.
    private struct SeriesKey: Hashable, Sendable {
        var name: String
        var labels: [String: String]
    }

    private struct Entry: Sendable {
        var family: MetricFamily
        var index: [SeriesKey: Int]
    }

    private var entries: [String: Entry] = [:]

    /// Type conflicts met so far, in the order they happened.
    public private(set) var conflicts: [MetricSetConflict] = []

    /// Creates an empty set.
    public init() {}

    /// Creates a set holding the given families (merged as by ``add(_:)``).
    public init(_ families: [MetricFamily]) {
        for family in families { add(family) }
    }

    /// Whether the set holds no family at all.
    public var isEmpty: Bool { entries.isEmpty }

    /// The families, sorted by name; samples in the order they were added.
    public var families: [MetricFamily] {
        entries.values.map(\.family).sorted { $0.name < $1.name }
    }

    /// The family with this exact name, if any.
    public func family(named name: String) -> MetricFamily? {
        entries[name]?.family
    }

    /// Adds a family, merging it into an existing family of the same name (see the type's documentation).
    public mutating func add(_ family: MetricFamily) {
        guard var entry = entries.removeValue(forKey: family.name) else {
            var entry = Entry(family: MetricFamily(name: family.name, help: family.help, type: family.type), index: [:])
            Self.append(family.samples, to: &entry)
            entries[family.name] = entry
            return
        }
        // removeValue + reinsert keeps `entry` uniquely referenced, so appending does not copy.
        defer { entries[family.name] = entry }
        guard entry.family.type == family.type else {
            conflicts.append(MetricSetConflict(name: family.name, existingType: entry.family.type, rejectedType: family.type))
            return
        }
        if entry.family.help == nil { entry.family.help = family.help }
        Self.append(family.samples, to: &entry)
    }

    private static func append(_ samples: [Sample], to entry: inout Entry) {
        for sample in samples {
            let key = SeriesKey(name: sample.name, labels: sample.labels)
            if let existing = entry.index[key] {
                entry.family.samples[existing] = sample
            } else {
                entry.index[key] = entry.family.samples.count
                entry.family.samples.append(sample)
            }
        }
    }

    /// Adds one gauge sample.
    public mutating func gauge(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        add(.gauge(name, help: help, value: value, labels: labels))
    }

    /// Adds one counter sample. By convention the name ends in `_total`.
    public mutating func counter(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        add(.counter(name, help: help, value: value, labels: labels))
    }

    /// Adds one untyped sample (for pass-through series whose type is unknown).
    public mutating func untyped(_ name: String, _ value: Double, help: String? = nil, labels: [String: String] = [:]) {
        add(.untyped(name, help: help, value: value, labels: labels))
    }

    /// Adds every family of `other` (as by ``add(_:)``) and keeps its recorded conflicts.
    public mutating func merge(_ other: MetricSet) {
        conflicts.append(contentsOf: other.conflicts)
        // Sorted for a deterministic conflict order.
        for family in other.families { add(family) }
    }

    /// The value of the series with this full name (e.g. `foo_bucket`) and exactly these labels.
    ///
    /// Looks in the family of that name first, then in the histogram or summary family the suffix
    /// points to. Meant for tests and debug output, not for hot paths.
    public func sample(named name: String, labels: [String: String] = [:]) -> Double? {
        let key = SeriesKey(name: name, labels: labels)
        var candidates = [name]
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            candidates.append(String(name.dropLast(suffix.count)))
        }
        for candidate in candidates {
            if let entry = entries[candidate], let i = entry.index[key] {
                return entry.family.samples[i].value
            }
        }
        return nil
    }
}
