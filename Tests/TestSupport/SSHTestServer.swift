import Foundation
import Glibc

/// A real OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <own config>` on 127.0.0.1:<free port>,
/// never the system's sshd. Its config, pid file, log and one `authorized_keys` file (the client
/// keys below, for every user) live in a temporary directory of its own; its ed25519 and RSA host
/// keys and the client keys are made with ssh-keygen once per test process (``keyDirectory``).
///
/// What it offers (other tests reuse it):
/// - key auth as `root` with ``clientKeyEd25519``, ``clientKeyRSA``, ``clientKeyECDSA`` or
///   ``clientKeyEncrypted`` (passphrase ``clientKeyPassphrase``);
/// - password auth as ``passwordUser`` / ``password`` (a local user created idempotently);
/// - ``busyboxUser``, whose login shell is Debian's BusyBox `ash` (a symlink named `ash` to
///   /bin/busybox), key auth with the same client keys;
/// - `Options.forceCommand`: sshd's `ForceCommand` (the command the client asked for is in
///   `$SSH_ORIGINAL_COMMAND`); `Options.maxSessions`: sshd's `MaxSessions`;
/// - ``restart()``: stop (the listener and every connection) and start again on the same port
///   with the same host keys; ``stop()`` kills everything and ``remove()`` deletes the directory.
/// - ``knownHostsLine(_:)`` and ``fingerprint(_:)`` for host-key tests; ``log`` is sshd's `-e` output
///   (LogLevel VERBOSE: one "Accepted …" line per login).
/// Needs root (users, /run/sshd) and the Debian packages openssh-server and busybox.
public final class SSHTestServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var forceCommand: String?
        public var maxSessions: Int?
        public init(forceCommand: String? = nil, maxSessions: Int? = nil) {
            self.forceCommand = forceCommand
            self.maxSessions = maxSessions
        }
    }

    public enum HostKeyType: String, Sendable { case ed25519, rsa }

    public static let passwordUser = "vandine-pw"
    public static let password = "vandine-test-password"
    public static let busyboxUser = "vandine-ash"
    public static let clientKeyPassphrase = "vandine-test-passphrase"
    /// Where the BusyBox login shell symlink lives.
    public static let busyboxShell = "/usr/local/lib/vandine-test/ash"

    public private(set) var port = 0
    public let directory: String
    /// Where the keys are: made once per test process (RSA key generation is slow on a loaded
    /// machine) and shared by every server; the host keys stay the same across ``restart()``.
    public let keyDirectory: String
    public var clientKeyEd25519: String { keyDirectory + "/client_ed25519" }
    public var clientKeyRSA: String { keyDirectory + "/client_rsa" }
    public var clientKeyECDSA: String { keyDirectory + "/client_ecdsa" }
    public var clientKeyEncrypted: String { keyDirectory + "/client_encrypted" }
    public var logPath: String { directory + "/sshd.log" }
    private let options: Options
    private var pid: pid_t = 0

    public init(_ options: Options = Options()) async throws {
        self.options = options
        directory = NSTemporaryDirectory() + "vandine-sshd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyDirectory = try await Self.sharedKeys.value
        try FileManager.default.copyItem(atPath: keyDirectory + "/authorized_keys", toPath: directory + "/authorized_keys")
        var lastError = "sshd did not start"
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            do {
                try writeConfig(port: port)
                pid = try await Self.start(config: directory + "/sshd_config", log: directory + "/sshd.log", port: port)
                self.port = port
                return
            } catch let error as SSHTestServerError {
                lastError = error.description
            }
        }
        throw SSHTestServerError(lastError)
    }

    /// sshd's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// How many logins sshd accepted so far: its "Accepted <method> for <user> from …" lines.
    /// sshd `-e` ends its lines with CR LF, a single Character in Swift (splitting on "\n" finds
    /// no line end and gives one line, so a count of lines could never pass 1); LogLevel VERBOSE's
    /// "Accepted key … found at …" lines are no logins.
    public var acceptedLogins: Int {
        log.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("Accepted ") && $0.contains(" for ") && $0.contains(" from ") }.count
    }

    /// `[127.0.0.1]:port <type> <base64>`, the known_hosts line for this server's host key.
    public func knownHostsLine(_ type: HostKeyType) throws -> String {
        let publicKey = try String(contentsOfFile: keyDirectory + "/host_\(type.rawValue).pub", encoding: .utf8)
        let fields = publicKey.split(separator: " ")
        return "[127.0.0.1]:\(port) \(fields[0]) \(fields[1])"
    }

    /// OpenSSH's `SHA256:…` fingerprint of this server's host key (`ssh-keygen -lf`).
    public func fingerprint(_ type: HostKeyType) async throws -> String {
        let result = try await Command.runOffPool("/usr/bin/ssh-keygen", ["-lf", keyDirectory + "/host_\(type.rawValue).pub"])
        return String(result.stdout.split(separator: " ")[1])
    }

    /// Kills sshd and every connection it serves (each runs in a process of its own, in a session
    /// of its own, so the process group would miss them), and reaps the listener.
    public func stop() {
        guard pid > 0 else { return }
        for child in Self.descendants(of: pid) { kill(child, SIGKILL) }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = 0
    }

    /// ``stop()``, then start again on the same port with the same keys.
    public func restart() async throws {
        stop()
        var lastError = SSHTestServerError("sshd did not restart")
        // The port was just freed by our own listener; a TIME_WAIT connection does not block a
        // new listener (sshd sets SO_REUSEADDR), but give a racing bind a few tries.
        for _ in 0..<5 {
            do {
                pid = try await Self.start(config: directory + "/sshd_config", log: directory + "/sshd.log", port: port)
                return
            } catch let error as SSHTestServerError {
                lastError = error
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw lastError
    }

    /// ``stop()`` and delete the directory.
    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Setup

    /// `/run/sshd` (sshd's privilege-separation directory) and the two test users, idempotently.
    private static func prepareMachine() async throws {
        mkdir("/run/sshd", 0o755)
        try FileManager.default.createDirectory(atPath: (busyboxShell as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: busyboxShell)) != "/bin/busybox" {
            unlink(busyboxShell)
            guard symlink("/bin/busybox", busyboxShell) == 0 else { throw SSHTestServerError("cannot create \(busyboxShell)") }
        }
        for (user, shell) in [(passwordUser, "/bin/sh"), (busyboxUser, busyboxShell)] {
            if getpwnam(user) == nil {
                let made = try await Command.runOffPool("/usr/sbin/useradd", ["-M", "-d", "/tmp", "-s", shell, user])
                // A parallel test may have created it meanwhile.
                guard made.status == 0 || getpwnam(user) != nil else { throw SSHTestServerError("useradd \(user): \(made.stderr)") }
            }
        }
        let set = try await Command.runOffPool("/usr/sbin/chpasswd", [], input: "\(passwordUser):\(password)\n")
        guard set.status == 0 else { throw SSHTestServerError("chpasswd: \(set.stderr)") }
        // useradd leaves the password "!", which sshd (without PAM) reads as a locked account and
        // refuses even key logins; "*" means no password, not locked.
        let unlock = try await Command.runOffPool("/usr/sbin/usermod", ["-p", "*", busyboxUser])
        guard unlock.status == 0 else { throw SSHTestServerError("usermod \(busyboxUser): \(unlock.stderr)") }
    }

    /// The machine prepared and the keys made, once per process.
    private static let sharedKeys = Task<String, any Error> {
        try await prepareMachine()
        let directory = NSTemporaryDirectory() + "vandine-sshd-keys-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await makeKeys(in: directory)
        return directory
    }

    private static func makeKeys(in directory: String) async throws {
        let keys: [(String, [String])] = [
            ("host_ed25519", ["-t", "ed25519", "-N", ""]), ("host_rsa", ["-t", "rsa", "-b", "2048", "-N", ""]),
            ("client_ed25519", ["-t", "ed25519", "-N", ""]), ("client_rsa", ["-t", "rsa", "-b", "2048", "-N", ""]),
            ("client_ecdsa", ["-t", "ecdsa", "-b", "256", "-N", ""]),
            ("client_encrypted", ["-t", "ed25519", "-N", clientKeyPassphrase]),
        ]
        var authorized = ""
        for (name, arguments) in keys {
            let made = try await Command.runOffPool("/usr/bin/ssh-keygen", ["-q", "-C", name, "-f", directory + "/" + name] + arguments)
            guard made.status == 0 else { throw SSHTestServerError("ssh-keygen \(name): \(made.stderr)") }
            if name.hasPrefix("client") { authorized += try String(contentsOfFile: directory + "/\(name).pub", encoding: .utf8) }
        }
        try authorized.write(toFile: directory + "/authorized_keys", atomically: true, encoding: .utf8)
        chmod(directory, 0o755)
    }

    private func writeConfig(port: Int) throws {
        var lines = [
            "Port \(port)", "ListenAddress 127.0.0.1",
            "HostKey \(keyDirectory)/host_ed25519", "HostKey \(keyDirectory)/host_rsa",
            "PidFile \(directory)/sshd.pid", "AuthorizedKeysFile \(directory)/authorized_keys",
            "StrictModes no", "UsePAM no", "PermitRootLogin yes", "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no", "LogLevel VERBOSE", "PrintMotd no", "PrintLastLog no",
            "MaxStartups 200", "MaxSessions \(options.maxSessions ?? 10)",
        ]
        if let command = options.forceCommand { lines.append("ForceCommand \(command)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
    }

    /// Spawns sshd (empty signal mask, default dispositions) and waits up to 5 s for its
    /// "Server listening" line.
    private static func start(config: String, log: String, port: Int) async throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ["/usr/sbin/sshd", "-D", "-e", "-f", config]
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else { throw SSHTestServerError("cannot start sshd: \(String(cString: strerror(rc)))") }
        let marker = "Server listening on 127.0.0.1 port \(port)."
        let before = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: marker).count
        for _ in 0..<500 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.components(separatedBy: marker).count > before { return pid }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw SSHTestServerError("sshd exited: \(text.suffix(500))") }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw SSHTestServerError("sshd did not listen on 127.0.0.1:\(port) within 5 s")
    }

    /// Every process below `root` (by parent pid in /proc/<pid>/stat).
    static func descendants(of root: pid_t) -> [pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.range(of: ")", options: .backwards) else { continue }
            let fields = stat[close.upperBound...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        var found: [pid_t] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            let children = parents.filter { $0.value == next }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }
}

public struct SSHTestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
