#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A child process (a temporary Prometheus, `promtool`) started with `posix_spawn`, its stdout and
/// stderr going to a file. AlertCore may not import Probes, whose `ChildProcessRunner` runs
/// commands to completion only; this one also keeps a server running until ``kill()``.
///
/// - stdin is /dev/null, descriptors from 3 up are closed in the child, the signal mask is empty
///   and dispositions default (processes started from `swift test` inherit a mask blocking
///   SIGTERM; docs/pitfalls.md), and it gets a process group of its own so ``kill()`` takes
///   whatever it started along.
/// - It runs under `setpriv --pdeathsig KILL` (when `/usr/bin/setpriv` exists), so the kernel
///   kills it if this process dies first. The death signal follows the spawning THREAD, and
///   idle threads of Swift's pool exit: so the child is spawned, and waited for, by a thread of
///   its own that lives exactly as long as the child.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    /// Where its output goes.
    public let outputPath: String
    /// The exit status, set by the waiting thread once the child is reaped (after that the pid
    /// may belong to another process, so it is never signalled again).
    private let reaped: Mutex<Int32?>

    private init(pid: pid_t, outputPath: String) {
        self.pid = pid
        self.outputPath = outputPath
        self.reaped = Mutex(nil)
    }

    /// Why a process could not be started or did not finish.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// What the spawning thread hands back.
    private final class Launch: @unchecked Sendable {
        let command: [String]
        let output: Int32
        var result: Result<pid_t, Failure> = .failure(Failure(description: "not started"))
        let started = DispatchSemaphore(value: 0)
        var process: SpawnedProcess?
        let processReady = DispatchSemaphore(value: 0)
        init(command: [String], output: Int32) { self.command = command; self.output = output }
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    public static func start(_ executable: String, _ arguments: [String], outputPath: String) throws(Failure) -> SpawnedProcess {
        guard let path = resolve(executable) else {
            throw Failure(description: executable.contains("/") ? "\(executable) not found" : "\(executable) not found in PATH")
        }
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw Failure(description: "cannot create \(outputPath): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        let wrapper = "/usr/bin/setpriv"
        let command = access(wrapper, X_OK) == 0 ? [wrapper, "--pdeathsig", "KILL", "--", path] + arguments : [path] + arguments
        let launch = Launch(command: command, output: output)
        guard startThread({ run(launch) }) else { throw Failure(description: "cannot start a thread to run \(executable)") }
        launch.started.wait()
        switch launch.result {
        case let .failure(failure):
            launch.processReady.signal()
            throw failure
        case let .success(pid):
            let process = SpawnedProcess(pid: pid, outputPath: outputPath)
            launch.process = process
            launch.processReady.signal()
            return process
        }
    }

    /// The thread's body: spawn, then block in waitpid until the child is gone.
    private static func run(_ launch: Launch) {
        launch.result = spawn(launch.command, output: launch.output)
        launch.started.signal()
        guard case let .success(pid) = launch.result else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        launch.processReady.wait()
        launch.process?.reaped.withLock { $0 = decode(status) }
    }

    private static func spawn(_ command: [String], output: Int32) -> Result<pid_t, Failure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        _ = spawnCloseFrom(&actions, 3)

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

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else { return .failure(Failure(description: "cannot run \(command[0]): \(String(cString: strerror(result)))")) }
        return .success(pid)
    }

    /// WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import. A signal death is 128+signal.
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// The exit status if it has exited, else nil.
    public func exitStatus() -> Int32? {
        reaped.withLock { $0 }
    }

    /// Waits up to `seconds` for it to exit; kills it when the time is up and throws.
    public func waitForExit(within seconds: Double) async throws -> Int32 {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill()
        throw Failure(description: "\(outputPath): still running after \(seconds)s, killed")
    }

    /// SIGKILL to its whole process group, then waits (at most 5 s) until the waiting thread has
    /// reaped it. Does nothing once it is reaped; safe to call more than once.
    public func kill() {
        let signalled = reaped.withLock { status -> Bool in
            guard status == nil else { return false }
            Glibc.kill(-pid, SIGKILL)
            Glibc.kill(pid, SIGKILL)
            return true
        }
        guard signalled else { return }
        for _ in 0..<5000 where exitStatus() == nil { usleep(1000) }
    }

    /// The last `limit` bytes of its output, for error messages.
    public func outputTail(limit: Int = 2000) -> String {
        let fd = open(outputPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        _ = lseek(fd, max(0, size - off_t(limit)), SEEK_SET)
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = read(fd, &buffer, limit)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    /// `executable` if it names a file, else the first executable of that name in `PATH`.
    static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return access(executable, X_OK) == 0 ? executable : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(executable)" }.first { access($0, X_OK) == 0 }
    }

    /// Starts a detached thread running `body`; false when the system refuses one.
    private static func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
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
}

/// glibc 2.34+: close every descriptor from `lowfd` up in the child (a GNU extension Glibc's Swift
/// module does not declare).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowfd: Int32) -> Int32
