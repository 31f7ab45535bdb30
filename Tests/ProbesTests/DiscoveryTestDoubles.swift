import Logging
import Probes
import Synchronization
import VandineCore

/// An ``ICMPEchoing`` that forwards to another engine and records when each request left and
/// where it went, so tests can measure the sweep's packet rate.
final class RecordingEchoEngine: ICMPEchoing {
    let inner: any ICMPEchoing
    private let sends = Mutex<[(address: IPAddress, at: ContinuousClock.Instant)]>([])

    init(_ inner: any ICMPEchoing) {
        self.inner = inner
    }

    /// Every request sent so far, in order.
    var sent: [(address: IPAddress, at: ContinuousClock.Instant)] { sends.withLock { $0 } }

    func openSession(to destination: ICMPDestination, options: EchoOptions,
                     onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
        Session(inner: try inner.openSession(to: destination, options: options, onReply: onReply), engine: self, address: destination.address)
    }

    func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        inner.schedule(at: instant, action)
    }

    func cancel(_ scheduled: ScheduledAction) { inner.cancel(scheduled) }

    final class Session: EchoSession {
        let inner: any EchoSession
        let engine: RecordingEchoEngine
        let address: IPAddress

        init(inner: any EchoSession, engine: RecordingEchoEngine, address: IPAddress) {
            self.inner = inner
            self.engine = engine
            self.address = address
        }

        func send() throws(ICMPError) -> UInt16 {
            let sequence = try inner.send()
            engine.sends.withLock { $0.append((address, .now)) }
            return sequence
        }

        func close() { inner.close() }
    }
}

/// A neighbour table with scripted entries (or a scripted failure), counting reads.
final class FakeNeighbourTable: NeighbourTableReading {
    private let state: Mutex<(entries: [NeighbourEntry], error: String?)>

    init(_ entries: [NeighbourEntry] = [], error: String? = nil) {
        state = Mutex((entries, error))
    }

    func set(_ entries: [NeighbourEntry]) { state.withLock { $0.entries = entries } }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func entries() throws -> [NeighbourEntry] {
        let (entries, error) = state.withLock { $0 }
        if let error { throw Failure(description: error) }
        return entries
    }
}

/// Reverse names from a table; addresses not in it have no name.
struct FakeNames: HostNameResolving {
    var names: [IPAddress: ReverseName] = [:]

    func name(for address: IPAddress) async -> ReverseName { names[address] ?? .none }
}

/// A settable wall clock (Unix seconds).
final class TestClock: Sendable {
    private let value: Mutex<Double>

    init(_ start: Double = 1_800_000_000) { value = Mutex(start) }

    var now: Double { value.withLock { $0 } }
    func advance(by seconds: Double) { value.withLock { $0 += seconds } }
}

/// A logger whose lines (logfmt, as the exporter writes them) are kept for the test to read.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "vandine-exporter") { label in
            LineLogHandler(label: label, level: .debug, format: .logfmt) { line in self.lines.withLock { $0.append(line) } }
        }
    }

    var all: [String] { lines.withLock { $0 } }

    /// Lines at `info` or above whose message is `message`.
    func info(_ message: String) -> [String] {
        all.filter { $0.contains("msg=\"\(message)\"") && !$0.contains("level=debug") }
    }
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// A fake engine where exactly `up` answer, after `delay`.
func scriptedEngine(up: Set<IPAddress>, delay: Duration = .zero) -> FakeEchoEngine {
    var script = FakeEchoEngine.Script()
    script.drops = { destination, _ in !up.contains(destination.address) }
    script.delay = { _, _ in delay }
    return FakeEchoEngine(script)
}
