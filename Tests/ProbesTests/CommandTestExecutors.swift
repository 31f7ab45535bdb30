import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VandineCore
@testable import Probes

/// An ``SSHExecutor`` that runs on this machine instead of over SSH: `exec` runs the command
/// through `/bin/sh -c` with the real ``ChildProcessRunner`` (killed at the deadline), and
/// `openShell` starts `shellProgram` on a real PTY (``PTYShellChannel``), as sshd would for a
/// session with a PTY and a ForceCommand.
final class LocalShellExecutor: SSHExecutor {
    /// The program a shell session runs (the scripted router CLI by default).
    let shellProgram: [String]
    /// Every shell opened, for tests that check they were closed.
    let opened = Mutex<[PTYShellChannel]>([])

    init(shellProgram: [String] = [LocalShellExecutor.scriptedCLI]) {
        self.shellProgram = shellProgram
    }

    static let scriptedCLI = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/scripted-router-cli").path

    func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
              outputLimit: Int) async throws(SSHError) -> SSHExecResult {
        let outcome = await ChildProcessRunner().run("/bin/sh", ["-c", command], deadline: deadline)
        let truncated = outcome.stdout.count > outputLimit || outcome.stderr.count > outputLimit
        let stdout = Array(outcome.stdout.prefix(outputLimit)), stderr = Array(outcome.stderr.prefix(outputLimit))
        switch outcome.termination {
        case let .exited(status):
            return SSHExecResult(stdout: stdout, stderr: stderr, exitStatus: status, truncated: truncated)
        case .signaled:
            return SSHExecResult(stdout: stdout, stderr: stderr, exitStatus: nil, truncated: truncated)
        case .outputTooLarge:
            return SSHExecResult(stdout: stdout, stderr: stderr, exitStatus: nil, truncated: true)
        case .killedAtDeadline, .cancelled:
            throw SSHError(.timeout, "device \(endpoint.device): the command did not finish by the deadline")
        case let .notStarted(reason):
            throw SSHError(.channel, "device \(endpoint.device): \(reason)")
        }
    }

    func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                   deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel {
        let channel = try PTYShellChannel.spawn(shellProgram, columns: columns, rows: rows)
        opened.withLock { $0.append(channel) }
        return channel
    }
}

/// A program on a real pseudo-terminal, behind the ``SSHShellChannel`` interface: the master side
/// is ours, the child gets the slave as its controlling terminal (a new session), as sshd's child
/// does. The master is non-blocking; reads and writes poll it in 2 ms steps up to their deadline,
/// so no cooperative thread is blocked. ``close()`` SIGKILLs the child and reaps it.
final class PTYShellChannel: SSHShellChannel {
    let master: Int32
    let pid: pid_t
    private let closed = Mutex(false)

    private init(master: Int32, pid: pid_t) {
        self.master = master
        self.pid = pid
    }

    /// glibc's `POSIX_SPAWN_SETSID` (a `__USE_GNU` constant the Swift module does not import).
    static let spawnSetSID: Int32 = 0x80

    static func spawn(_ command: [String], columns: Int, rows: Int) throws(SSHError) -> PTYShellChannel {
        let master = testOpenPT(O_RDWR | O_NOCTTY | O_CLOEXEC)
        var name = [CChar](repeating: 0, count: 64)
        guard master >= 0, testGrantPT(master) == 0, testUnlockPT(master) == 0, testPTSName(master, &name, name.count) == 0 else {
            if master >= 0 { Glibc.close(master) }
            throw SSHError(.channel, "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slave = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid (glibc applies the flags first), so it becomes the controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        _ = testSpawnCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | spawnSetSID))
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawnp(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            Glibc.close(master)
            throw SSHError(.channel, "cannot start \(command[0]): \(String(cString: strerror(result)))")
        }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        return PTYShellChannel(master: master, pid: pid)
    }

    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(SSHError) {
        var rest = bytes[...]
        while !rest.isEmpty {
            guard !closed.withLock({ $0 }) else { throw SSHError(.channel, "the shell is closed") }
            let written = rest.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if written > 0 {
                rest = rest.dropFirst(written)
            } else if errno == EAGAIN, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(2))
            } else {
                throw ContinuousClock.now >= deadline ? SSHError(.timeout, "write: the deadline passed")
                    : SSHError(.channel, "write: \(String(cString: strerror(errno)))")
            }
        }
    }

    func read(deadline: ContinuousClock.Instant) async throws(SSHError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            guard !closed.withLock({ $0 }) else { return [] }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if count > 0 { return Array(buffer.prefix(count)) }
            // EIO: the child closed the terminal (it exited) — the end of the channel.
            if count == 0 || errno == EIO { return [] }
            guard errno == EAGAIN || errno == EINTR else { throw SSHError(.channel, "read: \(String(cString: strerror(errno)))") }
            guard ContinuousClock.now < deadline, !Task.isCancelled else {
                throw SSHError(.timeout, "no output before the deadline")
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func close() async {
        guard closed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        Glibc.close(master)
    }

    /// Whether ``close()`` ran (the child is gone).
    var isClosed: Bool { closed.withLock { $0 } }
}

/// glibc 2.34+: close every descriptor from `lowfd` up in the child, so the test process's pipes
/// (other tests' children) are not held open by the CLI.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func testSpawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowfd: Int32) -> Int32

/// `ptsname_r` (a `__USE_GNU` declaration): `ptsname` shares one buffer between parallel tests.
@_silgen_name("ptsname_r")
private func testPTSName(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32

/// `posix_openpt`, `grantpt` and `unlockpt` (XSI declarations Glibc's Swift module leaves out).
@_silgen_name("posix_openpt")
private func testOpenPT(_ flags: Int32) -> Int32
@_silgen_name("grantpt")
private func testGrantPT(_ fd: Int32) -> Int32
@_silgen_name("unlockpt")
private func testUnlockPT(_ fd: Int32) -> Int32
