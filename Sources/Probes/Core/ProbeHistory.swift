import FoundationEssentials
import Synchronization

/// The most recent probes for the status page. Failures are kept in a separate, longer list so a
/// failure does not scroll away behind a flood of successes.
public final class ProbeHistory: Sendable {
    public struct Entry: Sendable {
        public let time: Date
        public let module: String
        public let target: String
        public let success: Bool
        public let seconds: Double
        public let log: [String]
    }

    private let recentLimit: Int
    private let failureLimit: Int
    private let state = Mutex<(recent: [Entry], failures: [Entry])>(([], []))

    public init(recentLimit: Int = 50, failureLimit: Int = 100) {
        self.recentLimit = recentLimit
        self.failureLimit = failureLimit
    }

    public func record(_ entry: Entry) {
        state.withLock { lists in
            lists.recent.append(entry)
            if lists.recent.count > recentLimit { lists.recent.removeFirst(lists.recent.count - recentLimit) }
            if !entry.success {
                lists.failures.append(entry)
                if lists.failures.count > failureLimit { lists.failures.removeFirst(lists.failures.count - failureLimit) }
            }
        }
    }

    /// Newest first.
    public var recent: [Entry] { state.withLock { $0.recent.reversed() } }
    /// Newest first.
    public var failures: [Entry] { state.withLock { $0.failures.reversed() } }
}
