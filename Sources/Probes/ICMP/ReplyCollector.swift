import Synchronization
import VandineCore

/// Collects one probe's echo replies as the engine's thread delivers them, and wakes the probe when
/// every planned request has been sent (or refused) and every one sent has been answered.
final class ReplyCollector: Sendable {
    struct Tally: Sendable {
        /// Requests the probe means to send.
        var planned = 0
        /// Requests tried so far: sent or refused by the kernel.
        var attempted = 0
        var sent = 0
        /// Round-trip times of the first reply to each request, in seconds, in arrival order.
        var rtts: [Double] = []
        var duplicates = 0
        /// Hop limit of the latest reply.
        var hopLimit: Int?
    }

    private struct State {
        var tally = Tally()
        var waiter: CheckedContinuation<Void, Never>?
        /// Set when the wait is over (answered, deadline or cancelled): later sends are skipped.
        var finished = false

        var isComplete: Bool { tally.attempted >= tally.planned && tally.rtts.count >= tally.sent }
    }

    private let state = Mutex(State())

    init(planned: Int) {
        state.withLock { $0.tally.planned = planned }
    }

    var tally: Tally { state.withLock { $0.tally } }

    /// Whether the probe has stopped waiting: a paced send due after that is skipped.
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Records one attempt to send: `sent` false when the kernel refused the packet.
    func recordAttempt(sent: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.tally.attempted += 1
            if sent { state.tally.sent += 1 }
            return state.isComplete ? takeWaiter(&state) : nil
        }
        waiter?.resume()
    }

    /// The engine's `onReply`: runs on its receive thread.
    func record(_ reply: EchoReply) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if reply.isDuplicate {
                state.tally.duplicates += 1
            } else {
                state.tally.rtts.append(reply.rtt.inSeconds)
            }
            if let hopLimit = reply.hopLimit { state.tally.hopLimit = hopLimit }
            return state.isComplete ? takeWaiter(&state) : nil
        }
        waiter?.resume()
    }

    private func takeWaiter(_ state: inout State) -> CheckedContinuation<Void, Never>? {
        state.finished = true
        defer { state.waiter = nil }
        return state.waiter
    }

    /// Returns when every planned request was tried and every one sent has its reply, when
    /// `wake()` is called (the engine's timer at the deadline), or when the task is cancelled —
    /// whichever comes first.
    func waitForReplies() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    guard !state.finished, !state.isComplete else {
                        state.finished = true
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    /// Ends the wait now (the deadline passed, or the probe was cancelled).
    func wake() {
        state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }
}
