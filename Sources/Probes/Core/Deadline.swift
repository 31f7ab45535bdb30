import NIOCore
import NIOPosix
import Synchronization
import VandineCore

/// Runs `operation` in its own task and returns its result, or nil once `timeout` has passed or the
/// caller is cancelled — whichever comes first. Unlike a task group it does not wait for an operation
/// that ignores cancellation (a blocked connect, a child process): that task is cancelled and left
/// to finish on its own, so a probe never overruns the scrape.
func firstResult<T: Sendable>(within timeout: Duration,
                              _ operation: @escaping @Sendable () async -> T) async -> T? {
    let slot = ResultSlot<T>()
    let work = Task { slot.resume(with: await operation()) }
    // An event-loop timer rather than a sleeping Task: a cancelled Task.sleep stays queued in the
    // global executor until its deadline, so at thousands of probes per second every fast probe
    // would leave a timer holding memory for the whole module timeout. NIO removes a cancelled
    // scheduled task at once.
    let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
        slot.resume(with: nil)
    }
    let result = await withTaskCancellationHandler {
        await withCheckedContinuation { slot.install($0) }
    } onCancel: {
        slot.resume(with: nil)
    }
    timer.cancel()
    if result == nil { work.cancel() }
    return result
}

/// A continuation that is resumed at most once, by whichever side gets there first.
private final class ResultSlot<T: Sendable>: Sendable {
    private enum State {
        case waiting
        case installed(CheckedContinuation<T?, Never>)
        case resolved(T?)
        case done
    }

    private let state = Mutex<State>(.waiting)

    func install(_ continuation: CheckedContinuation<T?, Never>) {
        let early: T?? = state.withLock { state in
            switch state {
            case .waiting:
                state = .installed(continuation)
                return nil
            case let .resolved(value):
                state = .done
                return .some(value)
            case .installed, .done:
                return nil
            }
        }
        if let early { continuation.resume(returning: early) }
    }

    func resume(with value: T?) {
        let continuation: CheckedContinuation<T?, Never>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .resolved(value)
                return nil
            case let .installed(continuation):
                state = .done
                return continuation
            case .resolved, .done:
                return nil
            }
        }
        continuation?.resume(returning: value)
    }
}
