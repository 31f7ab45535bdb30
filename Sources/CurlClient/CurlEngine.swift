import CCurl
import Logging
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process's HTTP (and later SMTP) engine: ONE libcurl multi handle driven by ONE dedicated
/// thread of its own, looping on `curl_multi_poll` and woken with `curl_multi_wakeup` when a
/// transfer is added or cancelled. Callers submit from async code and are resumed through
/// continuations; nothing blocks Swift's cooperative pool. Connections are pooled and reused
/// across requests, capped by `Configuration`.
///
/// The thread starts with the first transfer. As a swift-service-lifecycle `Service`,
/// `run()` waits for graceful shutdown and then stops the thread; transfers still running then
/// fail with `CurlError.Kind.engineStopped`, and so does every later submission.
public final class CurlEngine: Service, Sendable {
    /// Connection limits of the multi handle.
    public struct Configuration: Sendable {
        /// At most this many open connections in total (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); more
        /// transfers wait in curl's queue (their deadline keeps running). Default 64.
        public var maxTotalConnections: Int
        /// At most this many connections per host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 = no limit
        /// beyond the total. Default 0.
        public var maxHostConnections: Int
        /// Idle connections kept for reuse (`CURLMOPT_MAXCONNECTS`). Default 16.
        public var maxIdleConnections: Int

        /// Limits as documented on each property (counts of connections).
        public init(maxTotalConnections: Int = 64, maxHostConnections: Int = 0, maxIdleConnections: Int = 16) {
            self.maxTotalConnections = maxTotalConnections
            self.maxHostConnections = maxHostConnections
            self.maxIdleConnections = maxIdleConnections
        }
    }

    /// How `perform` ended.
    public enum Outcome: Sendable, Equatable {
        /// curl finished the transfer with this code (`CURLE_OK` or a failure).
        case finished(CURLcode)
        /// The deadline passed before curl finished; the engine removed the transfer.
        case deadlineExceeded
        /// The calling task was cancelled; the engine removed the transfer.
        case cancelled
        /// The engine is stopped.
        case engineStopped
    }

    /// The process-wide engine; its thread starts with the first transfer.
    public static let shared = CurlEngine()

    private let configuration: Configuration
    private let state = Mutex(State())
    private let logger: Logger

    /// Creates an engine with its own multi handle (its thread starts with the first transfer).
    /// Tests make their own; the daemons use `shared`. Call `shutdown()` (or run it as a Service)
    /// to stop its thread.
    ///
    /// Nothing of libcurl is touched until the first transfer: `curl_global_init`
    /// initializes OpenSSL, GnuTLS (through librtmp) and the rest of curl's dependencies, about
    /// 4 MiB of resident pages that an exporter with no http module never needs.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "vandine.curl")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The multi handle, made with the thread; nil before the first transfer.
    private var multi: MultiHandle {
        state.withLock { $0.multi }!
    }

    /// Runs `transfer` on the engine thread until curl finishes it, `deadline` passes, or the calling
    /// task is cancelled. Sets `CURLOPT_TIMEOUT_MS` to the time left at submission; the engine also
    /// removes the transfer itself at `deadline` if curl has not finished by then.
    /// - Returns: how it ended; the transfer holds what was received either way.
    public func perform(_ transfer: CurlTransfer, deadline: ContinuousClock.Instant) async -> Outcome {
        let job = Job(transfer: transfer, deadline: deadline)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                job.continuation = continuation
                let refused: Outcome? = state.withLock { state in
                    if job.cancelRequested || Task.isCancelled { return .cancelled }
                    switch state.phase {
                    case .stopping, .stopped: return .engineStopped
                    case .idle: startThread(&state)
                    case .running: break
                    }
                    state.submissions.append(job)
                    _ = vandine_curl_multi_wakeup(state.multi!.pointer)
                    return nil
                }
                if let refused {
                    job.continuation = nil
                    continuation.resume(returning: refused)
                }
            }
        } onCancel: {
            state.withLock { state in
                job.cancelRequested = true
                guard state.phase == .running else { return }
                state.cancellations.append(job)
                _ = vandine_curl_multi_wakeup(state.multi!.pointer)
            }
        }
    }

    /// Stops the engine thread and waits for it to exit. Running transfers fail with
    /// `.engineStopped`; so does every later submission. Safe to call more than once.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = state.withLock { state in
                switch state.phase {
                case .idle:
                    state.phase = .stopped
                    return true
                case .stopped:
                    return true
                case .running, .stopping:
                    state.phase = .stopping
                    state.exitWaiters.append(continuation)
                    _ = vandine_curl_multi_wakeup(state.multi!.pointer)
                    return false
                }
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// `Service`: waits for graceful shutdown (or cancellation), then stops the thread. The thread
    /// itself starts with the first transfer, so a daemon that never makes one never loads curl.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Whether the engine thread is running (for tests and diagnostics).
    public var isRunning: Bool {
        state.withLock { $0.phase == .running }
    }

    // MARK: the engine thread

    private func startThread(_ state: inout State) {
        CurlGlobal.initialize()
        // A transfer exists before the thread starts, so libcurl is loaded; NULL here is out of memory.
        guard let handle = vandine_curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        _ = vandine_curl_multi_setopt_long(handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
        _ = vandine_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxHostConnections)
        _ = vandine_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, configuration.maxIdleConnections)
        state.multi = MultiHandle(pointer: handle)
        state.phase = .running
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let engine = Unmanaged<CurlEngine>.fromOpaque(argument!).takeRetainedValue()
            engine.loop()
            return nil
        }, retained)
        precondition(result == 0, "cannot start the curl engine thread: error \(result)")
        pthread_detach(thread)
    }

    private func loop() {
        vandine_set_thread_name("curl-engine")
        let multi = self.multi
        var running: [UnsafeMutableRawPointer: Job] = [:]
        while true {
            let (submissions, cancellations, stopping) = state.withLock { state in
                defer {
                    state.submissions.removeAll()
                    state.cancellations.removeAll()
                }
                return (state.submissions, state.cancellations, state.phase == .stopping)
            }
            for job in submissions {
                let left = job.deadline - ContinuousClock.now
                guard left > .zero else {
                    finish(job, .deadlineExceeded)
                    continue
                }
                if job.transfer.setsCurlTimeout {
                    let milliseconds = max(1, Int((left.seconds * 1000).rounded(.up)))
                    _ = vandine_curl_setopt_long(job.transfer.handle, CURLOPT_TIMEOUT_MS, milliseconds)
                }
                let added = vandine_curl_multi_add_handle(multi.pointer, job.transfer.handle)
                guard added == CURLM_OK else {
                    logger.error("curl_multi_add_handle failed: \(String(cString: vandine_curl_multi_strerror(added)))")
                    finish(job, .finished(CURLE_FAILED_INIT))
                    continue
                }
                running[job.transfer.handle] = job
            }
            for job in cancellations where running[job.transfer.handle] === job {
                remove(job, from: &running)
                finish(job, .cancelled)
            }
            if stopping { break }

            var stillRunning: Int32 = 0
            _ = vandine_curl_multi_perform(multi.pointer, &stillRunning)
            var queued: Int32 = 0
            while let message = vandine_curl_multi_info_read(multi.pointer, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                guard let job = running[easy] else { continue }
                remove(job, from: &running)  // invalidates `message`
                finish(job, .finished(code))
            }

            let now = ContinuousClock.now
            var nearest: ContinuousClock.Instant?
            for job in Array(running.values) {
                if job.deadline <= now {
                    remove(job, from: &running)
                    finish(job, .deadlineExceeded)
                } else if nearest.map({ job.deadline < $0 }) ?? true {
                    nearest = job.deadline
                }
            }
            // curl_multi_poll also wakes for curl's own timers; ours is the deadline backstop.
            var wait = 60_000
            if let nearest {
                wait = min(wait, max(1, Int(((nearest - now).seconds * 1000).rounded(.up))))
            }
            _ = vandine_curl_multi_poll(multi.pointer, nil, 0, Int32(wait), nil)
        }

        for job in Array(running.values) {
            remove(job, from: &running)
            finish(job, .engineStopped)
        }
        let (late, waiters) = state.withLock { state in
            state.phase = .stopped
            defer {
                state.submissions.removeAll()
                state.exitWaiters.removeAll()
            }
            return (state.submissions, state.exitWaiters)
        }
        for job in late { finish(job, .engineStopped) }
        vandine_curl_multi_cleanup(multi.pointer)  // no wakeup can come now: every caller checks the phase
        for waiter in waiters { waiter.resume() }
    }

    private func remove(_ job: Job, from running: inout [UnsafeMutableRawPointer: Job]) {
        _ = vandine_curl_multi_remove_handle(multi.pointer, job.transfer.handle)
        running[job.transfer.handle] = nil
    }

    private func finish(_ job: Job, _ outcome: Outcome) {
        let continuation = job.continuation
        job.continuation = nil
        continuation?.resume(returning: outcome)
    }
}

extension CurlEngine {
    fileprivate enum Phase { case idle, running, stopping, stopped }

    fileprivate struct State {
        var phase: Phase = .idle
        /// Made when the thread starts; kept after it stops (cleaned up, never used again).
        var multi: MultiHandle?
        var submissions: [Job] = []
        var cancellations: [Job] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A submitted transfer. `continuation` is set before submission and resumed once, by the
    /// engine thread (or by `perform` when the submission is refused); `cancelRequested` is
    /// guarded by the engine's lock.
    fileprivate final class Job: @unchecked Sendable {
        let transfer: CurlTransfer
        let deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Outcome, Never>?
        var cancelRequested = false

        init(transfer: CurlTransfer, deadline: ContinuousClock.Instant) {
            self.transfer = transfer
            self.deadline = deadline
        }
    }

    /// The `CURLM *`; `curl_multi_wakeup` is the only call made from other threads (under the lock,
    /// while the engine runs).
    fileprivate struct MultiHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }
}
