#if canImport(Glibc)
import Glibc
#endif

/// A child process (a temporary Prometheus, `promtool`) started with `posix_spawn`, its stdout and
/// stderr going to a file. AlertCore may not import Probes, whose `ChildProcessRunner` runs
/// commands to completion only; this one also keeps a server running until ``kill()``.
///
/// - stdin is /dev/null, descriptors from 3 up are closed in the child, the signal mask is empty
///   and dispositions default (processes started from `swift test` inherit a mask blocking
///   SIGTERM; docs/pitfalls.md), and it gets a process group of its own so ``kill()`` takes
///   whatever it started along.
/// - When `/usr/bin/setpriv` exists the child runs under `setpriv --pdeathsig KILL`, so the kernel
///   kills it if this process dies first.
/// - Waiting never blocks a thread: ``waitForExit(within:)`` polls `waitpid(WNOHANG)` between
///   short sleeps.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    /// Where its output goes.
    public let outputPath: String

    private init(pid: pid_t, outputPath: String) {
        self.pid = pid
        self.outputPath = outputPath
    }

    /// Why a process could not be started or did not finish.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    public static func start(_ executable: String, _ arguments: [String], outputPath: String) throws(Failure) -> SpawnedProcess {
        guard let path = resolve(executable) else {
            throw Failure(description: executable.contains("/") ? "\(executable) not found" : "\(executable) not found in PATH")
        }
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw Failure(description: "cannot create \(outputPath): \(String(cString: strerror(errno)))") }
        defer { close(output) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        spawnCloseFrom(&actions, 3)

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

        let wrapper = "/usr/bin/setpriv"
        let command = access(wrapper, X_OK) == 0 ? [wrapper, "--pdeathsig", "KILL", "--", path] + arguments : [path] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw Failure(description: "cannot run \(executable): \(String(cString: strerror(result)))") }
        return SpawnedProcess(pid: pid, outputPath: outputPath)
    }

    /// The exit status if it has exited (and is now reaped), else nil. A signal death is 128+signal.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
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

    /// SIGKILL to its whole process group, then reaps it (a killed process is reaped at once).
    public func kill() {
        Glibc.kill(-pid, SIGKILL)
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
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
}

/// glibc 2.34+: close every descriptor from `lowfd` up in the child (a GNU extension Glibc's Swift
/// module does not declare).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowfd: Int32) -> Int32
