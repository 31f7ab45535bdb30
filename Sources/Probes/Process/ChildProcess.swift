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

/// Starts a detached thread running `body`; false when the system refuses one. (Also the SSH
/// session threads.)
func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
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

    /// Process groups of the children running now, for ``killAll()``.
    private static let live = Mutex<Set<pid_t>>([])

    /// SIGKILLs every child still running, at once: called at shutdown, before the process exits
    /// (an exiting process does not take its children along).
    static func killAll() {
        for group in live.withLock({ $0 }) { kill(-group, SIGKILL) }
    }

    /// `setpriv --pdeathsig KILL`, which execs the real command with the parent-death signal set:
    /// if this process dies without cleaning up (SIGKILL, a crash, the `probe` command's default
    /// SIGTERM), the kernel kills the child too. posix_spawn cannot set it itself.
    static let deathSignalWrapper = "/usr/bin/setpriv"

    static func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant,
                    cancel: CancelFlag) -> CommandOutcome {
        let start = ContinuousClock.now
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe2(&outPipe, O_CLOEXEC) == 0 else { return CommandOutcome(termination: .notStarted("cannot create a pipe: \(systemErrorMessage(errno))")) }
        guard pipe2(&errPipe, O_CLOEXEC) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            return CommandOutcome(termination: .notStarted("cannot create a pipe: \(systemErrorMessage(errno))"))
        }
        // Close-on-exec on all four from the start (pipe2): the child gets only the dup2'd copies
        // on 1 and 2, and no child spawned by another thread meanwhile inherits them.
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
        live.withLock { _ = $0.insert(pid) }
        defer { live.withLock { _ = $0.remove(pid) } }

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var killedFor: CommandOutcome.Termination?
        var exitStatus: Int32?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }
        defer { for fd in open { close(fd) } }

        /// Reads what is available now; closes a pipe at EOF.
        func drain(_ fds: [Int32]) {
            for fd in fds {
                while true {
                    let count = read(fd, buffer.baseAddress, buffer.count)
                    if count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                        if fd == outPipe[0] { stdout.append(contentsOf: bytes) } else { stderr.append(contentsOf: bytes) }
                        if stdout.count > ChildProcessRunner.maximumOutputBytes || stderr.count > ChildProcessRunner.maximumOutputBytes {
                            killedFor = .outputTooLarge
                            return
                        }
                        continue
                    }
                    if count < 0 && errno == EINTR { continue }
                    if count == 0 || errno != EAGAIN {
                        close(fd)
                        open.removeAll { $0 == fd }
                    }
                    break
                }
            }
        }

        // Until the child exits (checked on every slice, not by EOF: a process spawned elsewhere in
        // this program at the wrong moment can inherit a pipe's write end and hold it open), the
        // deadline passes, the caller cancels or the output grows past the cap.
        while killedFor == nil {
            if cancel.isSet { killedFor = .cancelled; break }
            let left = deadline - ContinuousClock.now
            if left <= .zero { killedFor = .killedAtDeadline; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), min(pollSlice, Int32(max(1, left.wholeMilliseconds))))
            drain(fds.filter { $0.revents != 0 }.map(\.fd))
            if killedFor != nil { break }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                exitStatus = status
                drain(open)
                break
            }
            if reaped < 0 && errno != EINTR { exitStatus = -1; break }
        }
        if let exitStatus {
            guard exitStatus >= 0 else { return CommandOutcome(termination: .exited(-1), stdout: stdout, stderr: stderr, elapsed: .now - start) }
            return outcome(status: exitStatus, stdout, stderr, start)
        }
        // Not reaped yet, so the group id cannot have been reused: kill the whole group, then reap.
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
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
        // Nothing but 0, 1 and 2: the daemon's sockets (its listener, scrape connections) are not
        // all close-on-exec, and a child holding the listener kept the port after the exporter
        // exited.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

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

        // The executable is found here (not by the wrapper), so a missing one is still our one line.
        guard let path = resolve(executable) else {
            return .failure(SpawnFailure(reason: executable.contains("/") ? "\(executable) not found" : "\(executable) not found in PATH"))
        }
        let wrapped = access(deathSignalWrapper, X_OK) == 0
        let command = wrapped ? [deathSignalWrapper, "--pdeathsig", "KILL", "--", path] + arguments : [path] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            return .failure(SpawnFailure(reason: "cannot run \(executable): \(systemErrorMessage(result))"))
        }
        return .success(pid)
    }

    struct SpawnFailure: Error {
        let reason: String
    }

    /// `executable` if it names a file (contains `/`), else the first executable file of that name
    /// in `PATH`; nil when there is none.
    static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return access(executable, X_OK) == 0 ? executable : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// glibc 2.34+: close every descriptor from `lowfd` up in the child (a GNU extension Glibc's Swift
/// module does not declare).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func posix_spawn_file_actions_addclosefrom_np(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowfd: Int32) -> Int32

/// Glibc's Swift module hides `pipe2` (a `_GNU_SOURCE` declaration; docs/pitfalls.md), but the
/// symbol is in every glibc since 2.9: pipe + fcntl would leave a window in which a child spawned
/// by another thread inherits the pipe. Used here and for the ICMP engine's wake pipe.
@_silgen_name("pipe2")
func pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

extension Duration {
    /// Whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
