import Probes
import Synchronization
import VandineCore

/// An ``ICMPEchoing`` that answers in memory: each request is answered after `delay` unless `drops`
/// says to drop it; `duplicates` answers chosen requests twice. Counts what was sent per
/// destination, so tests can check what a user of the engine did.
final class FakeEchoEngine: ICMPEchoing {
    struct Script: Sendable {
        /// Round-trip time reported per destination and sequence. Zero answers inside `send`, so a
        /// test does not depend on when a busy machine schedules a task.
        var delay: @Sendable (ICMPDestination, UInt16) -> Duration = { _, _ in .zero }
        /// Whether the request with this (destination, n-th packet sent to it, counted from 0) is lost.
        var drops: @Sendable (ICMPDestination, Int) -> Bool = { _, _ in false }
        /// Whether the reply to this request is delivered twice.
        var duplicates: @Sendable (ICMPDestination, Int) -> Bool = { _, _ in false }
        /// The hop limit replies carry.
        var hopLimit: Int? = 64
        /// Thrown by `openSession` when set.
        var openError: ICMPError?
        /// Thrown by `send` when set.
        var sendError: ICMPError?
    }

    private let script: Script
    private let sentCounts = Mutex<[ICMPDestination: Int]>([:])
    private let openCount = Mutex(0)

    init(_ script: Script = Script()) {
        self.script = script
    }

    /// Requests sent so far to `destination`.
    func sent(to destination: ICMPDestination) -> Int { sentCounts.withLock { $0[destination] ?? 0 } }

    /// Sessions open right now.
    var openSessions: Int { openCount.withLock { $0 } }

    func openSession(to destination: ICMPDestination, options: EchoOptions,
                     onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
        if let error = script.openError { throw error }
        openCount.withLock { $0 += 1 }
        return Session(engine: self, destination: destination, onReply: onReply)
    }

    func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        Task {
            try? await Task.sleep(until: instant, clock: .continuous)
            action()
        }
        return ScheduledAction(id: 0)
    }

    /// Scheduled actions run from tasks here, which are not cancelled: cancelling is only a memory
    /// saving in the real engine, and an action that runs after its probe finished does nothing.
    func cancel(_ scheduled: ScheduledAction) {}

    fileprivate final class Session: EchoSession {
        let engine: FakeEchoEngine
        let destination: ICMPDestination
        let onReply: @Sendable (EchoReply) -> Void
        let state = Mutex((nextSequence: UInt16(0), closed: false))

        init(engine: FakeEchoEngine, destination: ICMPDestination, onReply: @escaping @Sendable (EchoReply) -> Void) {
            self.engine = engine
            self.destination = destination
            self.onReply = onReply
        }

        func send() throws(ICMPError) -> UInt16 {
            if let error = engine.script.sendError { throw error }
            let sequence = state.withLock { state -> UInt16 in
                defer { state.nextSequence &+= 1 }
                return state.nextSequence
            }
            let index = engine.sentCounts.withLock { counts -> Int in
                defer { counts[destination, default: 0] += 1 }
                return counts[destination] ?? 0
            }
            guard !engine.script.drops(destination, index) else { return sequence }
            let rtt = engine.script.delay(destination, sequence)
            let twice = engine.script.duplicates(destination, index)
            let hopLimit = engine.script.hopLimit
            guard rtt > .zero else {
                for copy in 0..<(twice ? 2 : 1) {
                    onReply(EchoReply(sequence: sequence, rtt: rtt, hopLimit: hopLimit, isDuplicate: copy > 0))
                }
                return sequence
            }
            Task { [self] in
                try? await Task.sleep(for: rtt)
                for copy in 0..<(twice ? 2 : 1) {
                    guard !state.withLock({ $0.closed }) else { return }
                    onReply(EchoReply(sequence: sequence, rtt: rtt, hopLimit: hopLimit, isDuplicate: copy > 0))
                }
            }
            return sequence
        }

        func close() {
            let wasOpen = state.withLock { state -> Bool in
                defer { state.closed = true }
                return !state.closed
            }
            if wasOpen { engine.openCount.withLock { $0 -= 1 } }
        }
    }
}
