import Synchronization
import VandineCore

/// One sweep: one echo session and one echo request per address, sent at `packetsPerSecond` a
/// second with bursts bounded by ``PacketPacer``, each address answering within `timeout` of its
/// request. Sessions are closed as soon as they answered or timed out, so only about
/// rate × timeout are open at once. Never blocks a thread: sends are non-blocking calls into the
/// engine, waits are `Task.sleep` and continuations.
public struct EchoSweep: Sendable {
    public let engine: any ICMPEchoing
    public let packetsPerSecond: Int
    public let timeout: Duration
    public let options: EchoOptions

    public init(engine: any ICMPEchoing, packetsPerSecond: Int, timeout: Duration, options: EchoOptions = EchoOptions()) {
        self.engine = engine
        self.packetsPerSecond = packetsPerSecond
        self.timeout = timeout
        self.options = options
    }

    /// What a sweep saw.
    public struct Result: Sendable, Equatable {
        /// Addresses that answered, with the round-trip time of their reply.
        public var answered: [IPAddress: Duration] = [:]
        /// Echo requests sent.
        public var sent = 0
        /// Requests the kernel refused (no route, …), with the first such error.
        public var sendFailures = 0
        public var firstSendError: ICMPError?
        /// Set when the sweep could not run at all (no socket: permissions); nothing it saw counts.
        public var fatalError: ICMPError?
        /// True when the sweep was cancelled before it finished.
        public var cancelled = false

        /// True when the result can be trusted to say who is up: it ran to the end, and at least one
        /// request left (when every request was refused, the interface is down, not every host).
        public var isComplete: Bool { fatalError == nil && !cancelled && (sent > 0 || sendFailures == 0) }
    }

    /// Sweeps `addresses` in order.
    public func run(_ addresses: [IPAddress]) async -> Result {
        let replies = SweepReplies()
        var result = Result()
        var pacer = PacketPacer(packetsPerSecond: packetsPerSecond)
        var open: [(address: IPAddress, session: any EchoSession, deadline: ContinuousClock.Instant)] = []
        defer { for entry in open { entry.session.close() } }

        for address in addresses {
            do {
                try await pacer.wait()
            } catch {
                result.cancelled = true
                break
            }
            let now = ContinuousClock.now
            while let first = open.first, first.deadline <= now || replies.answered(first.address) {
                first.session.close()
                open.removeFirst()
            }
            let session: any EchoSession
            do {
                let timeout = self.timeout
                session = try engine.openSession(to: ICMPDestination(address: address), options: options) { reply in
                    // A reply later than the timeout does not count, even if its session was still open.
                    if reply.rtt <= timeout { replies.record(address, rtt: reply.rtt) }
                }
            } catch {
                if case .sendFailed = error {
                    result.sendFailures += 1
                    result.firstSendError = result.firstSendError ?? error
                    continue
                }
                result.fatalError = error
                break
            }
            do {
                try session.send()
                replies.expect(address)
                result.sent += 1
                open.append((address, session, .now + timeout))
            } catch {
                session.close()
                result.sendFailures += 1
                result.firstSendError = result.firstSendError ?? error
            }
        }
        if result.fatalError == nil, !result.cancelled, let last = open.last {
            // Until the last request's timeout, or sooner when every address has answered.
            let wait = last.deadline - .now
            if wait > .zero {
                let finished: Void? = await firstResult(within: wait) { await replies.allAnswered() }
                if finished == nil, Task.isCancelled { result.cancelled = true }
            }
        }
        // Closed before reading, so no reply lands after the answer is taken.
        for entry in open { entry.session.close() }
        open.removeAll()
        result.answered = replies.snapshot
        return result
    }
}

/// The replies of one sweep, written by the engine's receive thread and read by the sweep.
final class SweepReplies: Sendable {
    private struct State {
        var answered: [IPAddress: Duration] = [:]
        var pending: Set<IPAddress> = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// A request went to `address`: it counts as pending until it answers.
    func expect(_ address: IPAddress) {
        state.withLock { state in
            if state.answered[address] == nil { state.pending.insert(address) }
        }
    }

    /// The first reply from `address` (later duplicates are ignored). Runs on the receive thread.
    func record(_ address: IPAddress, rtt: Duration) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.answered[address] == nil else { return nil }
            state.answered[address] = rtt
            state.pending.remove(address)
            guard state.pending.isEmpty else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func answered(_ address: IPAddress) -> Bool { state.withLock { $0.answered[address] != nil } }

    /// Returns once no request is pending, or when the task is cancelled.
    func allAnswered() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    // Checked under the lock: a cancellation before this point resumes at once,
                    // one after it finds the waiter installed.
                    if state.pending.isEmpty || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    var snapshot: [IPAddress: Duration] { state.withLock { $0.answered } }
}
