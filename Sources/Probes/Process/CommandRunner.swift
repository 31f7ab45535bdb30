/// Runs an external program to completion within a deadline (the iperf3 prober's child
/// processes). Behind a protocol so tests can count runs or script outcomes; the real one is
/// ``ChildProcessRunner``.
public protocol CommandRunner: Sendable {
    /// Runs `executable` (an absolute path, or a name looked up in PATH) with `arguments`, stdin
    /// empty, and returns what it wrote and how it ended. The child is killed at `deadline` or when
    /// the calling task is cancelled, and it is always reaped before this returns.
    func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant) async -> CommandOutcome
}

/// What one run of a program produced.
public struct CommandOutcome: Sendable, Equatable {
    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal it did not get from us ended it.
        case signaled(Int32)
        /// We killed it (its whole process group) at the deadline.
        case killedAtDeadline
        /// We killed it because the caller was cancelled.
        case cancelled
        /// We killed it because its output passed ``ChildProcessRunner/maximumOutputBytes``.
        case outputTooLarge
        /// It never started; the reason is one sentence.
        case notStarted(String)
    }

    public var termination: Termination
    /// Everything it wrote to stdout (up to the runner's cap).
    public var stdout: [UInt8]
    /// Everything it wrote to stderr (up to the runner's cap).
    public var stderr: [UInt8]
    /// Wall time from spawn to reap.
    public var elapsed: Duration

    public init(termination: Termination, stdout: [UInt8] = [], stderr: [UInt8] = [], elapsed: Duration = .zero) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
    }
}
