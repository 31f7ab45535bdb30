import CLibSSH

/// Why an operation on a session failed, and whether the pool may run it again on a fresh
/// session: only when the session died before the command reached the server (a warm session
/// whose server restarted), never once a command may have run.
struct SSHSessionFailure: Error, Sendable {
    var error: SSHError
    var retryable: Bool
}

/// Work a session's thread runs on its channels. Created by a caller, handed over through the
/// session's inbox, and from then on touched only by that thread (hence `@unchecked Sendable`).
protocol SSHChannelOperation: AnyObject, Sendable {
    /// The earliest deadline this operation is waiting on; nil when it waits for nothing.
    var pendingDeadline: ContinuousClock.Instant? { get }
    /// When the session thread must look at this operation again at the latest (a deadline, or a
    /// grace period ending).
    var wakeAt: ContinuousClock.Instant? { get }
    /// True once the operation is over and its channel released.
    var isDone: Bool { get }
    /// Allocates the channel on an authenticated session.
    func begin(session: ssh_session, device: String)
    /// Makes what progress libssh allows without blocking.
    func advance(device: String)
    /// Ends the operation with `failure` (the caller waiting on it is resumed), killing a running command.
    func fail(_ failure: SSHSessionFailure)
}

extension SSHChannelOperation {
    var wakeAt: ContinuousClock.Instant? { pendingDeadline }
}

/// `exec` on one channel (RFC 4254 §6.5): open, request, collect output until the server closes
/// the channel or has sent both EOF and the exit status.
final class SSHExecOperation: SSHChannelOperation, @unchecked Sendable {
    private enum Step { case opening, requesting, running }

    let command: String
    let deadline: ContinuousClock.Instant
    let outputLimit: Int
    private var continuation: CheckedContinuation<Result<SSHExecResult, SSHSessionFailure>, Never>?
    private var buffer: SSHChannelBuffer?
    private var step = Step.opening
    /// When EOF and the exit status were both in (the wait for the server's CLOSE starts).
    private var statusSeenAt: ContinuousClock.Instant?
    static let closeGrace = Duration.milliseconds(500)
    private var opening = SSHChannelOpening()

    init(command: String, deadline: ContinuousClock.Instant, outputLimit: Int,
         continuation: CheckedContinuation<Result<SSHExecResult, SSHSessionFailure>, Never>) {
        self.command = command
        self.deadline = deadline
        self.outputLimit = outputLimit
        self.continuation = continuation
    }

    var pendingDeadline: ContinuousClock.Instant? { isDone ? nil : deadline }
    var wakeAt: ContinuousClock.Instant? {
        guard let deadline = pendingDeadline else { return nil }
        return [deadline, statusSeenAt.map { $0 + Self.closeGrace }, opening.retryAt].compactMap { $0 }.min()
    }
    var isDone: Bool { continuation == nil }

    func begin(session: ssh_session, device: String) {
        buffer = SSHChannelBuffer(session: session, limit: outputLimit)
        if buffer == nil { fail(.init(error: SSHError(.channel, "device \"\(device)\": cannot allocate an SSH channel"), retryable: false)) }
    }

    func advance(device: String) {
        guard !isDone, let current = buffer, let channel = current.channel else { return }
        if step == .opening {
            switch opening.attempt(channel) {
            case .waiting: return
            case .retry:
                buffer = SSHChannelBuffer(session: ssh_channel_get_session(channel), limit: outputLimit)
                current.release(killing: false)
                return
            case let .failed(failure):
                return fail(SSHSessionFailure(error: SSHError(.channel, "device \"\(device)\": \(failure.error.message)"), retryable: failure.retryable))
            case .open:
                step = .requesting
            }
        }
        let buffer = current
        if step == .requesting {
            let rc = ssh_channel_request_exec(channel, command)
            if rc == SSH_AGAIN { return }
            guard rc == SSH_OK else {
                return fail(.init(error: SSHError(.channel, "device \"\(device)\": the server refused to run the command: \(lastError(channel))"), retryable: false))
            }
            step = .running
        }
        // OpenSSH sends EOF, exit-status, then CLOSE. Wait for the CLOSE: the server frees its
        // session slot (MaxSessions) only once both sides closed, and a channel opened before that
        // is refused ("open failed"). A server that never closes still ends the command a moment
        // after both EOF and the status are in.
        if buffer.endOfFile, buffer.exitStatus != nil, statusSeenAt == nil { statusSeenAt = .now }
        if buffer.closedByServer || (statusSeenAt.map { $0 + Self.closeGrace <= .now } ?? false) {
            let result = SSHExecResult(stdout: buffer.stdout, stderr: buffer.stderr, exitStatus: buffer.exitStatus,
                                       truncated: buffer.truncated)
            buffer.release(killing: false)
            resume(.success(result))
        }
    }

    func fail(_ failure: SSHSessionFailure) {
        guard !isDone else { return }
        buffer?.release(killing: step == .running || step == .requesting)
        resume(.failure(failure))
    }

    private func resume(_ result: Result<SSHExecResult, SSHSessionFailure>) {
        let continuation = self.continuation
        self.continuation = nil
        buffer = nil
        continuation?.resume(returning: result)
    }
}

/// An interactive shell with a PTY (RFC 4254 §6.2 pty-req, §6.5 shell): opened once, then serves
/// the reads and writes of its ``SSHPooledShellChannel`` until closed.
final class SSHShellOperation: SSHChannelOperation, @unchecked Sendable {
    private enum Step { case opening, requestingPTY, requestingShell, open }
    /// Most unread shell output kept; a CLI that prints more between two reads loses the rest.
    static let bufferLimit = 4 << 20

    let columns: Int
    let rows: Int
    let openDeadline: ContinuousClock.Instant
    private var openContinuation: CheckedContinuation<Result<Void, SSHSessionFailure>, Never>?
    private var pendingRead: (deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Result<[UInt8], SSHError>, Never>)?
    private var pendingWrite: (bytes: [UInt8], offset: Int, deadline: ContinuousClock.Instant,
                               continuation: CheckedContinuation<Result<Void, SSHError>, Never>)?
    private var buffer: SSHChannelBuffer?
    private var step = Step.opening
    private(set) var isDone = false
    private var opening = SSHChannelOpening()

    init(columns: Int, rows: Int, deadline: ContinuousClock.Instant,
         continuation: CheckedContinuation<Result<Void, SSHSessionFailure>, Never>) {
        self.columns = columns
        self.rows = rows
        self.openDeadline = deadline
        self.openContinuation = continuation
    }

    var pendingDeadline: ContinuousClock.Instant? {
        if isDone { return nil }
        if openContinuation != nil { return openDeadline }
        return [pendingRead?.deadline, pendingWrite?.deadline].compactMap { $0 }.min()
    }

    var wakeAt: ContinuousClock.Instant? {
        [pendingDeadline, opening.retryAt].compactMap { $0 }.min()
    }

    func begin(session: ssh_session, device: String) {
        buffer = SSHChannelBuffer(session: session, limit: Self.bufferLimit)
        if buffer == nil { fail(.init(error: SSHError(.channel, "device \"\(device)\": cannot allocate an SSH channel"), retryable: false)) }
    }

    /// Queues a read; only one at a time (the channel is used by one caller).
    func read(deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Result<[UInt8], SSHError>, Never>) {
        guard !isDone, pendingRead == nil else {
            return continuation.resume(returning: .failure(SSHError(.channel, isDone ? "the shell channel is closed" : "a read is already waiting on this shell channel")))
        }
        pendingRead = (deadline, continuation)
    }

    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Result<Void, SSHError>, Never>) {
        guard !isDone, pendingWrite == nil else {
            return continuation.resume(returning: .failure(SSHError(.channel, isDone ? "the shell channel is closed" : "a write is already waiting on this shell channel")))
        }
        pendingWrite = (bytes, 0, deadline, continuation)
    }

    /// Closes the channel; waiting reads get end of file.
    func close() {
        guard !isDone else { return }
        buffer?.release(killing: false)
        finish(readResult: .success([]), writeResult: .failure(SSHError(.channel, "the shell channel was closed")))
    }

    func advance(device: String) {
        guard !isDone, let current = buffer, let channel = current.channel else { return }
        if step == .opening {
            switch opening.attempt(channel) {
            case .waiting: return
            case .retry:
                buffer = SSHChannelBuffer(session: ssh_channel_get_session(channel), limit: Self.bufferLimit)
                current.release(killing: false)
                return
            case let .failed(failure):
                return fail(SSHSessionFailure(error: SSHError(.channel, "device \"\(device)\": \(failure.error.message)"), retryable: failure.retryable))
            case .open:
                step = .requestingPTY
            }
        }
        let buffer = current
        if step == .requestingPTY {
            let rc = ssh_channel_request_pty_size(channel, "vt100", Int32(columns), Int32(rows))
            if rc == SSH_AGAIN { return }
            guard rc == SSH_OK else {
                return fail(.init(error: SSHError(.channel, "device \"\(device)\": the server refused a PTY: \(lastError(channel))"), retryable: false))
            }
            step = .requestingShell
        }
        if step == .requestingShell {
            let rc = ssh_channel_request_shell(channel)
            if rc == SSH_AGAIN { return }
            guard rc == SSH_OK else {
                return fail(.init(error: SSHError(.channel, "device \"\(device)\": the server refused a shell: \(lastError(channel))"), retryable: false))
            }
            step = .open
            let continuation = openContinuation
            openContinuation = nil
            continuation?.resume(returning: .success(()))
        }
        if var write = pendingWrite {
            while write.offset < write.bytes.count {
                let written = write.bytes.withUnsafeBytes { raw in
                    ssh_channel_write(channel, raw.baseAddress! + write.offset, UInt32(raw.count - write.offset))
                }
                if written < 0 {
                    pendingWrite = nil
                    write.continuation.resume(returning: .failure(SSHError(.channel, "device \"\(device)\": writing to the shell failed: \(lastError(channel))")))
                    return
                }
                if written == 0 { break } // window full: the rest goes once the server adjusts it
                write.offset += Int(written)
            }
            if write.offset == write.bytes.count {
                pendingWrite = nil
                write.continuation.resume(returning: .success(()))
            } else {
                pendingWrite = write
            }
        }
        if let read = pendingRead {
            // A PTY merges stderr into stdout on the server; a server without one may still use stderr.
            let output = buffer.takeOutput() + buffer.stderr
            buffer.stderr.removeAll(keepingCapacity: true)
            if !output.isEmpty || buffer.endOfFile {
                pendingRead = nil
                read.continuation.resume(returning: .success(output))
            }
        }
    }

    func fail(_ failure: SSHSessionFailure) {
        guard !isDone else { return }
        buffer?.release(killing: false)
        if let continuation = openContinuation {
            openContinuation = nil
            continuation.resume(returning: .failure(failure))
        }
        finish(readResult: .failure(failure.error), writeResult: .failure(failure.error))
    }

    private func finish(readResult: Result<[UInt8], SSHError>, writeResult: Result<Void, SSHError>) {
        isDone = true
        buffer = nil
        if let read = pendingRead { read.continuation.resume(returning: readResult) }
        if let write = pendingWrite { write.continuation.resume(returning: writeResult) }
        pendingRead = nil
        pendingWrite = nil
        if let continuation = openContinuation {
            openContinuation = nil
            continuation.resume(returning: .failure(.init(error: SSHError(.channel, "the shell channel was closed"), retryable: false)))
        }
    }
}

/// Opening a session channel (RFC 4254 §6.1), with retries when the server refuses it on a live
/// connection: OpenSSH frees a closed channel's `MaxSessions` slot only after it has processed the
/// input that closed it, so an open sent right behind our CLOSE is refused ("no more sessions" in
/// its log, "open failed" here). Measured against sshd 9.2 with MaxSessions 2 and 6 callers.
struct SSHChannelOpening {
    enum Outcome { case waiting, retry, open, failed(SSHSessionFailure) }

    /// When to try again (nil: not waiting for a retry).
    private(set) var retryAt: ContinuousClock.Instant?
    private var delay = Duration.milliseconds(10)

    mutating func attempt(_ channel: ssh_channel) -> Outcome {
        if let retryAt, retryAt > .now { return .waiting }
        retryAt = nil
        let rc = ssh_channel_open_session(channel)
        if rc == SSH_AGAIN { return .waiting }
        if rc == SSH_OK { return .open }
        let lost = connectionLost(channel)
        if !lost {
            // Refused on a live connection: try a new channel a little later (up to the deadline).
            retryAt = .now + delay
            delay = min(delay * 2, .milliseconds(200))
            return .retry
        }
        // Nothing ran yet: on a connection that died, the pool may retry on a new session.
        return .failed(SSHSessionFailure(error: SSHError(.channel, "cannot open an SSH channel: \(lastError(channel))"), retryable: true))
    }
}

/// Whether the connection under `channel` is gone (then a fresh session may succeed).
func connectionLost(_ channel: ssh_channel) -> Bool {
    guard let session = ssh_channel_get_session(channel) else { return true }
    return ssh_is_connected(session) == 0 || ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR) != 0
}

/// libssh's last error text for the session owning `channel`.
func lastError(_ channel: ssh_channel) -> String {
    guard let session = ssh_channel_get_session(channel) else { return "unknown error" }
    return libsshError(session)
}

/// libssh's last error text for `session`, on one line.
func libsshError(_ session: ssh_session) -> String {
    guard let text = ssh_get_error(UnsafeMutableRawPointer(session)) else { return "unknown error" }
    let message = String(cString: text).split(whereSeparator: \.isNewline).joined(separator: " ")
    return message.isEmpty ? "unknown error" : message
}
