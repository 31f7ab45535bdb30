import Glibc
import Synchronization
import VandineCore

/// The real ``CommandRunner``: `posix_spawn` in a small wrapper (swift-subprocess would be one
/// more package to build for one call site; see the README).
///
/// - The child starts with an empty signal mask and default dispositions: processes started from
///   `swift test` (and from some service managers) inherit a mask that blocks SIGTERM, and an
///   ignored SIGPIPE would be inherited too (docs/pitfalls.md).
/// - It runs in a process group of its own, and at the deadline (or when the caller is cancelled)
///   the whole group gets SIGKILL, so nothing it started outlives the probe.
/// - stdout and stderr are read through pipes on a thread of the run's own, never on Swift's
///   cooperative pool (two threads on a 2-core machine): a child that runs for 30 s holds no
///   thread the probes need. The child is always reaped before ``run(_:_:deadline:)`` returns.
public struct ChildProcessRunner: CommandRunner {
    /// Most bytes kept from each of stdout and stderr; a child writing more is killed.
    public static let maximumOutputBytes = 16 << 20

    public init() {}

    public func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant) async -> CommandOutcome {
        let cancel = CancelFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CommandOutcome, Never>) in
                let started = startThread {
                    continuation.resume(returning: ChildProcess.run(executable, arguments, deadline: deadline, cancel: cancel))
                }
                if !started {
                    continuation.resume(returning: CommandOutcome(termination: .notStarted("cannot start a thread to run \(executable)")))
                }
            }
        } onCancel: {
            cancel.set()
        }
    }
}

/// Set when the caller's task is cancelled; the reading thread polls it.
final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Starts a detached thread running `body`; false when the system refuses one.
private func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    let retained = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
        return nil
    }, retained)
    guard result == 0 else {
        Unmanaged<Box>.fromOpaque(retained).release()
        return false
    }
    pthread_detach(thread)
    return true
}

/// The blocking part: spawn, read until both pipes close (or the deadline), reap.
enum ChildProcess {
    /// How often the reading thread looks at the cancel flag while the child is quiet.
    static let pollSlice: Int32 = 20

    static func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant,
                    cancel: CancelFlag) -> CommandOutcome {
        let start = ContinuousClock.now
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { return CommandOutcome(termination: .notStarted("cannot create a pipe: \(systemErrorMessage(errno))")) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            return CommandOutcome(termination: .notStarted("cannot create a pipe: \(systemErrorMessage(errno))"))
        }
        // Close-on-exec on all four: the child gets only the dup2'd copies on 1 and 2.
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        for fd in [outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        let spawned = spawn(executable, arguments, stdout: outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        let pid: pid_t
        switch spawned {
        case let .success(child): pid = child
        case let .failure(failure):
            close(outPipe[0]); close(errPipe[0])
            return CommandOutcome(termination: .notStarted(failure.reason))
        }

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var killedFor: CommandOutcome.Termination?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }

        // Read until both pipes reach EOF, the deadline passes, the caller cancels or the output
        // grows past the cap.
        while !open.isEmpty && killedFor == nil {
            if cancel.isSet { killedFor = .cancelled; break }
            let left = deadline - ContinuousClock.now
            if left <= .zero { killedFor = .killedAtDeadline; break }
            let wait = min(pollSlice, Int32(max(1, left.wholeMilliseconds)))
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    if entry.fd == outPipe[0] { stdout.append(contentsOf: bytes) } else { stderr.append(contentsOf: bytes) }
                    if stdout.count > ChildProcessRunner.maximumOutputBytes || stderr.count > ChildProcessRunner.maximumOutputBytes {
                        killedFor = .outputTooLarge
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        for fd in open { close(fd) }

        // Both pipes closed: the child has exited or is about to. Wait for it, still bounded by the
        // deadline (a child that closed its output but keeps running is killed there too).
        var status: Int32 = 0
        if killedFor == nil {
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return outcome(status: status, stdout, stderr, start) }
                if reaped < 0 && errno != EINTR { return CommandOutcome(termination: .exited(-1), stdout: stdout, stderr: stderr, elapsed: .now - start) }
                if cancel.isSet { killedFor = .cancelled; break }
                if ContinuousClock.now >= deadline { killedFor = .killedAtDeadline; break }
                usleep(2_000)
            }
        }
        // Not reaped yet, so the group id cannot have been reused: kill the whole group, then reap.
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return CommandOutcome(termination: killedFor ?? .killedAtDeadline, stdout: stdout, stderr: stderr, elapsed: .now - start)
    }

    private static func outcome(status: Int32, _ stdout: [UInt8], _ stderr: [UInt8], _ start: ContinuousClock.Instant) -> CommandOutcome {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        let termination: CommandOutcome.Termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        return CommandOutcome(termination: termination, stdout: stdout, stderr: stderr, elapsed: .now - start)
    }

    /// posix_spawn(p) with stdin from /dev/null, stdout and stderr into the pipes, an empty signal
    /// mask, default signal dispositions and a new process group.
    static func spawn(_ executable: String, _ arguments: [String], stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            if result == ENOENT {
                return .failure(SpawnFailure(reason: executable.contains("/")
                    ? "\(executable) not found"
                    : "\(executable) not found in PATH"))
            }
            return .failure(SpawnFailure(reason: "cannot run \(executable): \(systemErrorMessage(result))"))
        }
        return .success(pid)
    }

    struct SpawnFailure: Error {
        let reason: String
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
