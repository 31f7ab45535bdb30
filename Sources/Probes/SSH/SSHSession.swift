import CLibSSH
import Glibc
import Synchronization
import VandineCore

/// One SSH connection to one device, owned by one dedicated thread.
///
/// An `ssh_session` is not thread-safe, and every libssh call can block, so the whole session —
/// connect, key exchange, authentication and all its channels — lives on a thread of its own
/// (never Swift's cooperative pool). The thread runs libssh non-blocking and waits in `poll(2)` on
/// the session's socket and an eventfd that callers write to when they hand in work; it asks for
/// POLLOUT only while libssh has output pending (`ssh_get_poll_flags & SSH_WRITE_PENDING`), else
/// the loop would spin. Callers talk to it only through the inbox (a mutex) and continuations.
///
/// Deadlines: every waiting operation's deadline bounds the poll. The login runs until the
/// latest deadline among the operations waiting for it; when an operation's deadline passes, it
/// fails with ``SSHError/Kind/timeout`` and the session is dropped (a command still running gets
/// SIGKILL, the connection is closed), as ``SSHExecutor`` promises.
final class SSHSession: @unchecked Sendable {
    enum Phase: Int { case connecting = 0, ready = 1, closed = 2 }

    /// Hand-ins from callers.
    enum Job: Sendable {
        case start(any SSHChannelOperation)
        case run(@Sendable () -> Void)
    }

    /// What the pool learns from a session.
    struct Hooks: Sendable {
        /// Login finished: success after this long, or the error (its kind is the `result` label).
        var loggedIn: @Sendable (SSHSession, Result<Duration, SSHError>) -> Void
        /// The thread has ended and the connection is closed.
        var closed: @Sendable (SSHSession) -> Void
    }

    private struct Inbox {
        var jobs: [Job] = []
        var accepting = true
        var closeNow = false
        var closeWhenIdle = false
        /// The thread has ended: nothing handed in will run there any more.
        var finished = false
    }

    let endpoint: SSHEndpoint
    /// The ssh-agent socket offered when the device allows it (`use_agent`).
    let agentSocket: String?
    private let hooks: Hooks
    private let inbox = Mutex(Inbox())
    /// A non-blocking pipe: callers write a byte to wake the thread's poll.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let phaseValue = Atomic<Int>(Phase.connecting.rawValue)
    /// Operations handed in and not yet pruned after finishing (lags a caller's return a little:
    /// the pool's busy/idle decisions use the channels callers hold instead).
    let activeOperations = Atomic<Int>(0)
    /// When the last operation finished (nanoseconds of the continuous clock since `created`).
    private let lastActivity = Atomic<Int64>(0)
    private let created = ContinuousClock.now

    // Thread-confined from here on.
    var session: ssh_session?
    private var event: ssh_event?
    var operations: [any SSHChannelOperation] = []
    /// What the login is doing, for timeout messages.
    var stage = "TCP connect"

    init(endpoint: SSHEndpoint, agentSocket: String?, hooks: Hooks) {
        self.endpoint = endpoint
        self.agentSocket = agentSocket
        self.hooks = hooks
        var fds: [Int32] = [-1, -1]
        if pipe2(&fds, O_NONBLOCK | O_CLOEXEC) != 0 { fds = [-1, -1] }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { Glibc.close(wakeRead) }
        if wakeWrite >= 0 { Glibc.close(wakeWrite) }
    }

    var phase: Phase { Phase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .closed }

    /// How long no operation has run on this session.
    var idleFor: Duration {
        let last = Duration.nanoseconds(lastActivity.load(ordering: .relaxed))
        return created.duration(to: .now) - last
    }

    var device: String { endpoint.device }
    var target: String { "\(endpoint.host):\(endpoint.settings.port)" }

    /// Starts the thread, which logs in at once. False when no thread could be started.
    func start() -> Bool {
        guard wakeRead >= 0 else { return false }
        return startThread { [self] in run() }
    }

    /// Hands `operation` to the thread; false when the session no longer takes work.
    func submit(_ operation: any SSHChannelOperation) -> Bool {
        let taken = inbox.withLock { inbox -> Bool in
            guard inbox.accepting else { return false }
            inbox.jobs.append(.start(operation))
            return true
        }
        if taken { activeOperations.add(1, ordering: .relaxed); wake() }
        return taken
    }

    /// Runs `body` on the session thread (shell reads, writes and closes).
    func perform(_ body: @escaping @Sendable () -> Void) -> Bool {
        let taken = inbox.withLock { inbox -> Bool in
            guard !inbox.finished else { return false }
            inbox.jobs.append(.run(body))
            return true
        }
        if taken { wake() }
        return taken
    }

    /// Stops taking work and closes: at once (running operations fail), or once the running
    /// operations are done.
    func close(immediately: Bool) {
        inbox.withLock { inbox in
            inbox.accepting = false
            if immediately { inbox.closeNow = true } else { inbox.closeWhenIdle = true }
        }
        wake()
    }

    /// Closes at once unless work was handed in and not yet taken; true when it did. The pool
    /// calls it only when no caller holds one of the device's channels (its idle expiry, making
    /// room); operations still listed here then are finished ones not yet pruned.
    func closeIfIdle() -> Bool {
        let closing = inbox.withLock { inbox -> Bool in
            guard inbox.accepting, inbox.jobs.isEmpty else { return false }
            inbox.accepting = false
            inbox.closeNow = true
            return true
        }
        if closing { wake() }
        return closing
    }

    private func wake() {
        var one: UInt8 = 1
        _ = Glibc.write(wakeWrite, &one, 1) // a full pipe already wakes the thread
    }

    // MARK: - The thread

    private func run() {
        let loginStart = ContinuousClock.now
        switch logIn() {
        case .success:
            phaseValue.store(Phase.ready.rawValue, ordering: .releasing)
            hooks.loggedIn(self, .success(loginStart.duration(to: .now)))
            serve()
        case let .failure(error):
            hooks.loggedIn(self, .failure(error))
            failAll(SSHSessionFailure(error: error, retryable: false))
        }
        teardown()
    }

    /// Takes what callers handed in. Returns the close request: (now, whenIdle).
    @discardableResult
    func absorbInbox(startingOn session: ssh_session?) -> (now: Bool, whenIdle: Bool) {
        let (jobs, closeNow, closeWhenIdle) = inbox.withLock { inbox in
            defer { inbox.jobs.removeAll() }
            return (inbox.jobs, inbox.closeNow, inbox.closeWhenIdle)
        }
        for job in jobs {
            switch job {
            case let .start(operation):
                operations.append(operation)
                if let session { operation.begin(session: session, device: device) }
            case let .run(body):
                body()
            }
        }
        return (closeNow, closeWhenIdle)
    }

    /// Waits in poll(2) for the socket (and the wake eventfd) until `deadline` at the latest.
    func waitForSocket(until deadline: ContinuousClock.Instant?, wantWrite: Bool) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let session, ssh_get_fd(session) >= 0 {
            var events = Int16(POLLIN)
            if wantWrite || ssh_get_poll_flags(session) & SSH_WRITE_PENDING != 0 { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: ssh_get_fd(session), events: events, revents: 0))
        }
        var timeout: Int32 = 1000
        if let deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            // Round up, so a poll never returns just before the deadline and spins.
            timeout = left <= .zero ? 0 : Int32(min(1000, (left / .milliseconds(1)).rounded(.up)))
        }
        _ = poll(&fds, nfds_t(fds.count), timeout)
        if fds[0].revents & Int16(POLLIN) != 0 {
            var drain = [UInt8](repeating: 0, count: 64)
            while Glibc.read(wakeRead, &drain, 64) == 64 {}
        }
    }

    /// Fails the operations whose deadline passed; true when there were any.
    func expireOperations(during what: String) -> Bool {
        let now = ContinuousClock.now
        var expired = false
        for operation in operations where !operation.isDone {
            if let deadline = operation.pendingDeadline, deadline <= now {
                operation.fail(SSHSessionFailure(error: SSHError(.timeout, "device \"\(device)\": SSH \(what) on \(target) did not finish before the deadline"), retryable: false))
                expired = true
            }
        }
        pruneFinished()
        return expired
    }

    func pruneFinished() {
        let before = operations.count
        operations.removeAll { $0.isDone }
        let finished = before - operations.count
        if finished > 0 {
            activeOperations.subtract(finished, ordering: .relaxed)
            lastActivity.store(Int64(created.duration(to: .now) / .nanoseconds(1)), ordering: .relaxed)
        }
    }

    func failAll(_ failure: SSHSessionFailure) {
        inbox.withLock { $0.accepting = false }
        absorbInbox(startingOn: nil)
        for operation in operations { operation.fail(failure) }
        pruneFinished()
    }

    /// The loop of a logged-in session: start what comes in, advance every channel, wait.
    private func serve() {
        guard let session else { return }
        event = ssh_event_new()
        if let event { ssh_event_add_session(event, session) }
        for operation in operations { operation.begin(session: session, device: device) }
        while true {
            let close = absorbInbox(startingOn: session)
            if close.now {
                return failAll(SSHSessionFailure(error: SSHError(.connect, "device \"\(device)\": the SSH session to \(target) was closed"), retryable: true))
            }
            for operation in operations { operation.advance(device: device) }
            pruneFinished()
            if expireOperations(during: "command") {
                // The contract: a call cut off at its deadline drops the session it used.
                return failAll(SSHSessionFailure(error: SSHError(.connect, "device \"\(device)\": the SSH session to \(target) was dropped after another command's timeout"), retryable: false))
            }
            if ssh_is_connected(session) == 0 || ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR) != 0 {
                let reason = libsshError(session)
                return failAll(SSHSessionFailure(error: SSHError(.connect, "device \"\(device)\": the SSH connection to \(target) was lost: \(reason)"), retryable: true))
            }
            if close.whenIdle && operations.isEmpty { return }
            waitForSocket(until: operations.compactMap(\.wakeAt).min(), wantWrite: false)
            if let event { _ = ssh_event_dopoll(event, 0) }
        }
    }

    private func teardown() {
        phaseValue.store(Phase.closed.rawValue, ordering: .releasing)
        if let session {
            // Let a SIGKILL for a timed-out command reach the server (bounded: 100 ms).
            if ssh_is_connected(session) != 0 { _ = ssh_blocking_flush(session, 100) }
            if let event { ssh_event_remove_session(event, session) }
            ssh_disconnect(session)
            ssh_free(session)
        }
        if let event { ssh_event_free(event) }
        session = nil
        event = nil
        // Work handed in while the session went down: shell calls find their channel closed.
        let late = inbox.withLock { inbox in
            inbox.finished = true
            inbox.accepting = false
            defer { inbox.jobs.removeAll() }
            return inbox.jobs
        }
        for case let .run(body) in late { body() }
        hooks.closed(self)
    }
}
