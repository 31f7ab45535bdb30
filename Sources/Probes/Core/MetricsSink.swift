import Synchronization
import VandineCore

/// Where a prober records metrics while it runs. The handler reads it when the probe ends — or
/// when the deadline cuts the probe off, in which case everything recorded so far is kept.
/// Thread-safe: a prober may record from several tasks.
public final class MetricsSink: Sendable {
    private let recorded = Mutex(MetricSet())

    public init() {}

    /// Sets one gauge sample (last write wins for the same name and labels).
    public func gauge(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        recorded.withLock { $0.gauge(name, value, help: help, labels: labels) }
    }

    /// Sets one counter sample.
    public func counter(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        recorded.withLock { $0.counter(name, value, help: help, labels: labels) }
    }

    /// Everything recorded so far, with its conflicts.
    public var snapshot: MetricSet { recorded.withLock { $0 } }
}
