import NIOCore
import NIOPosix
import Synchronization
import VandineCore

/// Collects one probe's echo replies as the engine's receive thread delivers them, and wakes the
/// probe when every request sent so far has been answered.
final class ReplyCollector: Sendable {
    struct Tally: Sendable {
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
    }

    private let state = Mutex(State())
    /// Called after every change (send, reply, duplicate) with the new tally, under the collector's
    /// lock so changes are reported in order; metrics are current when the deadline cuts the probe off.
    private let onChange: @Sendable (Tally) -> Void

    init(onChange: @escaping @Sendable (Tally) -> Void) {
        self.onChange = onChange
    }

    var tally: Tally { state.withLock { $0.tally } }

    func recordSent() {
        state.withLock { state in
            state.tally.sent += 1
            onChange(state.tally)
        }
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
            // Inside the lock: two changes reported out of order would leave a stale tally in the
            // metrics (a reply and a send racing showed "4 received" for 5 answered requests).
            onChange(state.tally)
            guard state.tally.rtts.count >= state.tally.sent else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns when every request sent has its reply, at `deadline`, or when the task is
    /// cancelled — whichever comes first.
    func waitForReplies(until deadline: ContinuousClock.Instant) async {
        let remaining = deadline - .now
        guard remaining > .zero else { return }
        // An event-loop timer, not a sleeping Task: NIO drops a cancelled timer at once (see
        // `firstResult`).
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(remaining.nanoseconds)) {
            self.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    guard state.tally.rtts.count < state.tally.sent else { return true }
                    state.waiter = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
        timer.cancel()
    }

    private func wake() {
        state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }
}
