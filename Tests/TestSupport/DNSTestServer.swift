import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A real DNS server for probe tests: Debian's dnsmasq on 127.0.0.1 and a free port, UDP and TCP,
/// answering from the records given on its command line. Started as a child process, ready once it
/// answers a real query (never sleep-and-hope), killed by ``stop()``.
public final class DNSTestServer: @unchecked Sendable {
    public static let dnsmasq = "/usr/sbin/dnsmasq"

    public let port: Int
    private let process: Process
    private let directory: TemporaryDirectory

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts dnsmasq with `arguments` added to a base that keeps it to itself: loopback only, no
    /// /etc/resolv.conf, no /etc/hosts, no config file, in the foreground, as the current user.
    public init(arguments: [String]) throws {
        let directory = try TemporaryDirectory()
        var lastError = ""
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let logFile = directory.path + "/dnsmasq-\(port).log"
            FileManager.default.createFile(atPath: logFile, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.dnsmasq)
            process.arguments = [
                "--keep-in-foreground", "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=\(directory.path)/dnsmasq-\(port).pid",
                "--user=\(Self.userName)", "--log-facility=-",
            ] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: logFile)
            try process.run()
            if Self.waitUntilAnswering(port: port, process: process) {
                self.port = port
                self.process = process
                self.directory = directory
                return
            }
            Self.kill(process)
            lastError = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        }
        directory.remove()
        throw StartError(description: "dnsmasq did not start: \(lastError)")
    }

    /// Stops the server and removes its files. SIGKILL, because a child started from one of
    /// libdispatch's threads inherits its blocked signal mask and never sees SIGTERM.
    public func stop() {
        Self.kill(process)
        directory.remove()
    }

    private static func kill(_ process: Process) {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static var userName: String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }

    /// Sends a real query (`. SOA`) every 100 ms for up to 10 s; any reply with our id means up.
    private static func waitUntilAnswering(port: Int, process: Process) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let id = UInt16.random(in: 1 ... .max)
        // Header (id, RD, one question) + root name + type SOA + class IN.
        let query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(10) {
            guard process.isRunning else { return false }
            _ = query.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            var reply = [UInt8](repeating: 0, count: 512)
            let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 2, reply[0] == UInt8(id >> 8), reply[1] == UInt8(id & 0xFF) { return true }
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
