import Synchronization

/// A PTY shell on a pooled session (``SSHExecutor/openShell(on:columns:rows:deadline:)``). Reads
/// and writes run on the session's thread; the channel counts against the device's channel limit
/// until ``close()`` (or until it is released).
final class SSHPooledShellChannel: SSHShellChannel {
    private let session: SSHSession
    private let operation: SSHShellOperation
    private let releaseChannel: @Sendable () -> Void
    private let released = Atomic<Bool>(false)

    init(session: SSHSession, operation: SSHShellOperation, release: @escaping @Sendable () -> Void) {
        self.session = session
        self.operation = operation
        self.releaseChannel = release
    }

    deinit {
        if !released.exchange(true, ordering: .relaxed) {
            let operation = self.operation
            _ = session.perform { operation.close() }
            releaseChannel()
        }
    }

    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(SSHError) {
        let operation = self.operation
        try await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, SSHError>, Never>) in
            if !session.perform({ operation.write(bytes, deadline: deadline, continuation: continuation) }) {
                continuation.resume(returning: .failure(SSHError(.channel, "device \"\(session.device)\": the SSH session of this shell is closed")))
            }
        }.get()
    }

    func read(deadline: ContinuousClock.Instant) async throws(SSHError) -> [UInt8] {
        let operation = self.operation
        return try await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], SSHError>, Never>) in
            if !session.perform({ operation.read(deadline: deadline, continuation: continuation) }) {
                continuation.resume(returning: .failure(SSHError(.channel, "device \"\(session.device)\": the SSH session of this shell is closed")))
            }
        }.get()
    }

    func close() async {
        guard !released.exchange(true, ordering: .relaxed) else { return }
        let operation = self.operation
        _ = session.perform { operation.close() }
        releaseChannel()
    }
}
