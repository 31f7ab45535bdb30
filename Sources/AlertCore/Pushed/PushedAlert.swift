/// An alert pushed through `POST /api/v2/alerts` (by a Prometheus or any Alertmanager client), as
/// Alertmanager keeps it (`types.Alert`). Times are Unix seconds.
public struct PushedAlert: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Double
    /// When it resolves (or resolved). Without an `endsAt` from the client this is the last update
    /// plus `resolve_timeout`, and ``timeout`` is true.
    public var endsAt: Double
    /// When we last received it.
    public var updatedAt: Double
    /// Whether ``endsAt`` came from `resolve_timeout` rather than from the client.
    public var timeout: Bool
    public var generatorURL: String

    public init(labels: [String: String], annotations: [String: String] = [:], startsAt: Double, endsAt: Double,
                updatedAt: Double, timeout: Bool = false, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.updatedAt = updatedAt
        self.timeout = timeout
        self.generatorURL = generatorURL
    }

    /// Alertmanager's fingerprint of the label set (see ``AlertFingerprint``).
    public var fingerprint: String { AlertFingerprint.of(labels) }

    /// Whether it has resolved at `now` (Alertmanager's `Resolved()`: an end time before now).
    public func isResolved(at now: Double) -> Bool { endsAt < now }

    /// Alertmanager's `Alert.Merge` (`types/types.go`): `other` is the same alert received again.
    /// The younger update wins, the earliest start is kept, and an explicit end time that is the
    /// latest beats a timeout.
    public func merged(with other: PushedAlert, now: Double) -> PushedAlert {
        if other.updatedAt < updatedAt { return other.merged(with: self, now: now) }
        var result = other
        if startsAt < other.startsAt { result.startsAt = startsAt }
        if other.isResolved(at: now) {
            // The latest explicit resolved timestamp wins if both are effectively resolved.
            if isResolved(at: now) && endsAt > other.endsAt { result.endsAt = endsAt }
        } else if endsAt > other.endsAt && !timeout {
            // A non-timeout end time always rules if it is the latest.
            result.endsAt = endsAt
        }
        return result
    }
}

/// Prometheus's label-set fingerprint (`model.LabelSet.Fingerprint`, prometheus/common
/// `model/signature.go`): 64-bit FNV-1a over the label names in byte order, each name and value
/// followed by the separator byte 0xFF, printed as 16 lowercase hex digits (`%016x`).
public enum AlertFingerprint {
    static let offset: UInt64 = 14_695_981_039_346_656_037
    static let prime: UInt64 = 1_099_511_628_211

    public static func of(_ labels: [String: String]) -> String {
        var hash = offset
        func add<S: Sequence<UInt8>>(_ bytes: S) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* prime
            }
        }
        // Go sorts names as byte strings; Swift's `<` on String is Unicode order, so compare bytes.
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            add(name.utf8)
            add(CollectionOfOne(0xFF))
            add(labels[name]!.utf8)
            add(CollectionOfOne(0xFF))
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
