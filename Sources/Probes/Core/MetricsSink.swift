import Synchronization
import VandineCore

/// Where a prober records metrics while it runs. The handler reads it when the probe ends — or
/// when the deadline cuts the probe off, in which case everything recorded so far is kept.
/// Thread-safe: a prober may record from several tasks.
public final class MetricsSink: Sendable {
    private let recorded = Mutex(MetricSet())
    private let lateRecorders = Mutex<[@Sendable (inout MetricSet) -> Void]>([])

    public init() {}

    /// Registers a recorder that writes its metrics when the snapshot is taken, for values that
    /// change too often to record on every change (an ICMP probe's packet counts move on every
    /// send and reply): the snapshot — at the end, or when the deadline cuts the probe off — holds
    /// their values at that moment, at no cost per change.
    public func recordAtSnapshot(_ recorder: @escaping @Sendable (inout MetricSet) -> Void) {
        lateRecorders.withLock { $0.append(recorder) }
    }

    /// Sets one gauge sample (last write wins for the same name and labels).
    public func gauge(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        recorded.withLock { $0.gauge(name, value, help: help, labels: labels) }
    }

    /// Sets one counter sample.
    public func counter(_ name: String, _ value: Double, help: String, labels: [String: String] = [:]) {
        recorded.withLock { $0.counter(name, value, help: help, labels: labels) }
    }

    /// Adds a whole family (a passed-through histogram, say), merged as by ``MetricSet/add(_:)``.
    public func add(_ family: MetricFamily) {
        recorded.withLock { $0.add(family) }
    }

    /// Everything recorded so far, with its conflicts.
    public var snapshot: MetricSet {
        var set = recorded.withLock { $0 }
        for recorder in lateRecorders.withLock({ $0 }) { recorder(&set) }
        return set
    }
}
