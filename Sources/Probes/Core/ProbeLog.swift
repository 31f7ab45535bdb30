import Synchronization
import VandineCore

/// The log of one probe: lines kept for `debug=true` output and for the status page. Thread-safe,
/// because a probe may log from several tasks (e.g. resolve and connect).
///
/// Bounded: a hostile server can make a prober log without end (a tcp `expect` reading "no match"
/// lines until its deadline logged 865,536 lines, 40 MB, in one probe), and the status page keeps
/// the logs of 150 probes. Each line is cut at ``maximumLineBytes`` and the log stops taking lines
/// after ``maximumLines`` (it says how many it dropped); the failure reason is always kept.
public final class ProbeLog: Sendable {
    /// Most lines kept per probe.
    public static let maximumLines = 64
    /// Most bytes kept per line (UTF-8).
    public static let maximumLineBytes = 512

    private struct State {
        var lines: [String] = []
        var dropped = 0
        var reason: String?
    }

    private let start = ContinuousClock.now
    private let state = Mutex(State())

    public init() {}

    /// Appends one line, prefixed with the time since the probe started.
    public func log(_ message: String) {
        let ms = (ContinuousClock.now - start).inSeconds * 1000
        let line = "[+\(Int(ms.rounded()))ms] \(Self.truncated(message))"
        state.withLock { state in
            if state.lines.count < Self.maximumLines - 1 { state.lines.append(line) } else { state.dropped += 1 }
        }
    }

    /// Logs why the probe failed; the last such reason is the one the handler logs at `info`. The
    /// reason is kept even when the log is full.
    public func fail(_ reason: String) {
        let reason = Self.truncated(reason)
        let ms = (ContinuousClock.now - start).inSeconds * 1000
        state.withLock { state in
            state.reason = reason
            if state.lines.count < Self.maximumLines { state.lines.append("[+\(Int(ms.rounded()))ms] \(reason)") }
        }
    }

    /// The last reason given to ``fail(_:)``, if any.
    public var failureReason: String? { state.withLock { $0.reason } }

    /// Everything kept so far, in order, with a last line counting what was dropped.
    public var entries: [String] {
        state.withLock { state in
            state.dropped == 0 ? state.lines : state.lines + ["… \(state.dropped) more log lines dropped"]
        }
    }

    static func truncated(_ message: String) -> String {
        guard message.utf8.count > maximumLineBytes else { return message }
        let cut = String(decoding: message.utf8.prefix(maximumLineBytes), as: UTF8.self)
        return cut + "… (\(message.utf8.count) bytes)"
    }
}
