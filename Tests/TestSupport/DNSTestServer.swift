import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A real DNS server for probe tests: Debian's dnsmasq on 127.0.0.1 and a free port, UDP and TCP,
/// answering from the records given on its command line. Started as a child process, ready once it
/// answers a real query (never sleep-and-hope), killed by ``stop()``.
public final class DNSTestServer: Sendable {
    public static let dnsmasq = "/usr/sbin/dnsmasq"

    public let port: Int
    private let pid: pid_t
    private let directory: TemporaryDirectory

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts dnsmasq with `arguments` added to a base that keeps it to itself: loopback only, no
    /// /etc/resolv.conf, no /etc/hosts, no config file, in the foreground, as the current user.
    ///
    /// Spawned with posix_spawn and an empty signal mask rather than Foundation's `Process`: a
    /// child started from one of libdispatch's threads would inherit its blocked signals, and
    /// `Process` reaps children from one shared thread that stalls when one of them is killed.
    public init(arguments: [String]) async throws {
        let directory = try TemporaryDirectory()
        var lastError = ""
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let logFile = directory.path + "/dnsmasq-\(port).log"
            let pid = try Self.spawn([
                Self.dnsmasq, "--keep-in-foreground", "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=\(directory.path)/dnsmasq-\(port).pid",
                "--user=\(Self.userName)", "--log-facility=-",
            ] + arguments, stderr: logFile)
            if await Self.waitUntilAnswering(port: port, pid: pid) {
                self.port = port
                self.pid = pid
                self.directory = directory
                return
            }
            Self.kill(pid)
            lastError = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        }
        directory.remove()
        throw StartError(description: "dnsmasq did not start: \(lastError)")
    }

    /// Stops the server (SIGKILL, then reaps it) and removes its files.
    public func stop() {
        Self.kill(pid)
        directory.remove()
    }

    private static func kill(_ pid: pid_t) {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        // ECHILD: someone else (Foundation's SIGCHLD handler) already reaped it.
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// True while `pid` has not exited (reaping it if it has).
    private static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        return rc == 0
    }

    private static func spawn(_ argv: [String], stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else { throw StartError(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    private static var userName: String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }

    /// Sends a real query (`. SOA`) every 100 ms for up to 10 s; any reply with our id means up.
    /// Non-blocking, checking for the reply every 5 ms: tests run in parallel on few threads.
    private static func waitUntilAnswering(port: Int, pid: pid_t) async -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let id = UInt16.random(in: 1 ... .max)
        // Header (id, RD, one question) + root name + type SOA + class IN.
        let query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(10) {
            guard isRunning(pid) else { return false }
            _ = query.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            for _ in 0..<20 {
                var reply = [UInt8](repeating: 0, count: 512)
                let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count >= 2, reply[0] == UInt8(id >> 8), reply[1] == UInt8(id & 0xFF) { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return false
    }
}

/// A UDP socket on 127.0.0.1 that reads every datagram and never answers: a DNS server that is up
/// but silent, for deadline tests.
public final class SilentUDPServer: Sendable {
    public let port: Int
    private let channel: any Channel

    public init() async throws {
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.pipeline.addHandler(Swallow()) }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Swallow: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }
}
