#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Synchronization
import NIOPosix

/// A real TCP listener on 127.0.0.1 for probe tests: accepts, optionally sends a banner, closes.
public final class TCPTestServer: Sendable {
    public let port: Int
    private let channel: any Channel
    private let accepted = Counter()

    /// Connections accepted so far (a test can wait for a client to have connected).
    public var acceptedConnections: Int { accepted.value }

    /// Starts listening on a free loopback port. With `silent`, connections are accepted and then
    /// left open with nothing sent (a hung service).
    /// With `flood`, connections get that text over and over until the client closes them (a
    /// hostile service that never stops talking).
    public init(banner: String? = nil, silent: Bool = false, flood: String? = nil) async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [accepted] child in
                accepted.increment()
                if let flood { return child.pipeline.addHandler(Flood(text: flood)) }
                return silent ? child.eventLoop.makeSucceededVoidFuture() : child.pipeline.addHandler(GreetAndClose(banner: banner))
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await channel.close()
    }
}

/// A loopback port that was free a moment ago (bind to port 0, read it, close).
public func freeLoopbackPort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).wait()
    let port = channel.localAddress?.port ?? 0
    try channel.close().wait()
    return port
}

/// Sends the banner (if any) once the connection is active, then closes it.
private final class GreetAndClose: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let banner: String?

    init(banner: String?) { self.banner = banner }

    func channelActive(context: ChannelHandlerContext) {
        if let banner {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: banner)), promise: nil)
        }
        context.close(promise: nil)
    }
}

/// Writes `text` (repeated to ~64 KiB) again each time the previous write completes, until the
/// connection closes.
private final class Flood: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let chunk: String

    init(text: String) { chunk = String(repeating: text, count: max(1, 65536 / max(1, text.utf8.count))) }

    func channelActive(context: ChannelHandlerContext) {
        write(context.channel)
    }

    private func write(_ channel: any Channel) {
        channel.writeAndFlush(channel.allocator.buffer(string: chunk)).whenSuccess { [self] in
            if channel.isActive { write(channel) }
        }
    }
}

/// A loopback TCP port that refuses connections and stays refused: a socket bound to it without
/// listening holds it, so no test running in parallel can take it (a port freed by
/// `freeLoopbackPort()` can be bound by another test before it is used).
public final class ClosedTCPPort: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard descriptor >= 0, bound else { throw IOError(errnoCode: errno, reason: "bind") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
