import Synchronization
import VandineCore

/// The log of one probe: lines kept for `debug=true` output and for the status page. Thread-safe,
/// because a probe may log from several tasks (e.g. resolve and connect).
public final class ProbeLog: Sendable {
    private let start = ContinuousClock.now
    private let lines = Mutex<[String]>([])
    private let reason = Mutex<String?>(nil)

    public init() {}

    /// Appends one line, prefixed with the time since the probe started.
    public func log(_ message: String) {
        let ms = (ContinuousClock.now - start).inSeconds * 1000
        let line = "[+\(Int(ms.rounded()))ms] \(message)"
        lines.withLock { $0.append(line) }
    }

    /// Logs why the probe failed; the last such reason is the one the handler logs at `info`.
    public func fail(_ reason: String) {
        log(reason)
        self.reason.withLock { $0 = reason }
    }

    /// The last reason given to ``fail(_:)``, if any.
    public var failureReason: String? { reason.withLock { $0 } }

    /// Everything logged so far, in order.
    public var entries: [String] { lines.withLock { $0 } }
}
