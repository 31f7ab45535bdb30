import VandineCore

/// Results of modules with an `interval`: the probe runs at most once per interval per
/// (module, target); concurrent scrapes while it runs wait for that one run instead of starting more.
public actor ProbeCache {
    private struct Key: Hashable {
        let module: String
        let target: String
    }

    private enum Entry {
        case running(Task<CompletedProbe, Never>)
        case done(CompletedProbe, at: ContinuousClock.Instant, interval: Duration)
    }

    private var entries: [Key: Entry] = [:]

    /// Most results kept: anyone who can reach `/probe` can name new targets, and each costs a
    /// cached result and a `/metrics` series until its interval ends.
    public static let maximumEntries = 4096

    public init() {}

    /// The cached result when it is younger than `interval`, else a fresh one from `run`.
    func result(module: String, target: String, interval: PrometheusDuration,
                run: @escaping @Sendable () async -> CompletedProbe) async -> CompletedProbe {
        let key = Key(module: module, target: target)
        switch entries[key] {
        case let .running(task):
            return await task.value
        case let .done(result, at, _) where ContinuousClock.now - at < interval.duration:
            return result
        default:
            pruneExpired()
            if entries.count >= Self.maximumEntries { evictOldest() }
            let task = Task { await run() }
            entries[key] = .running(task)
            let result = await task.value
            entries[key] = .done(result, at: .now, interval: interval.duration)
            return result
        }
    }

    /// Drops the oldest finished result to make room.
    private func evictOldest() {
        let oldest = entries.compactMap { key, entry -> (Key, ContinuousClock.Instant)? in
            guard case let .done(_, at, _) = entry else { return nil }
            return (key, at)
        }.min { $0.1 < $1.1 }
        if let oldest { entries[oldest.0] = nil }
    }

    /// Drops results older than their interval, so ad-hoc targets cannot grow the cache forever.
    private func pruneExpired() {
        let now = ContinuousClock.now
        entries = entries.filter { _, entry in
            guard case let .done(_, at, interval) = entry else { return true }
            return now - at < interval
        }
    }

    /// Age in seconds of every cached result still within its interval, for `/metrics`. Expired
    /// results are dropped here too, so ad-hoc targets probed once do not stay on `/metrics`.
    public func ages() -> [(module: String, target: String, seconds: Double)] {
        pruneExpired()
        let now = ContinuousClock.now
        return entries.compactMap { key, entry in
            guard case let .done(_, at, _) = entry else { return nil }
            return (key.module, key.target, (now - at).inSeconds)
        }
        .sorted { ($0.module, $0.target) < ($1.module, $1.target) }
    }
}
