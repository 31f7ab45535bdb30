#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import VandineCore

/// Sends one DNS query and reads its reply over UDP or TCP (two-byte length prefix) on NIO's event
/// loops: no thread waits on a socket, so a silent server costs a timer, not a blocked thread, and
/// the whole exchange ends at the probe's deadline.
///
/// UDP uses a connected socket (as Go's `net.Dial("udp")` in blackbox does), so an ICMP port
/// unreachable comes back as "connection refused" instead of a timeout.
enum DNSTransport {
    enum Failure: Error, Equatable {
        /// The deadline passed while waiting for `step` ("connect", "reply").
        case timedOut(step: String)
        /// A step failed; `reason` is one clean line.
        case failed(step: String, reason: String)
        /// The TCP server closed the connection before a whole reply arrived.
        case closed
        /// A TCP reply carried another id.
        case idMismatch(got: UInt16, want: UInt16)

        var reason: String {
            switch self {
            case let .timedOut(step): "\(step) timed out"
            case let .failed(step, reason): "\(step) failed: \(reason)"
            case .closed: "the server closed the connection before a whole reply arrived"
            case let .idMismatch(got, want): "the reply's id \(got) does not match the query's id \(want)"
            }
        }
    }

    /// What one exchange measured.
    struct Exchange: Sendable {
        var reply: [UInt8]
        /// Socket setup and connect (the TCP handshake; next to nothing for UDP).
        var connect: Duration
        /// From the query handed to the socket to the whole reply read.
        var request: Duration
    }

    /// Runs the exchange. `onConnected` is called with the connect time as soon as it is known, so
    /// it is recorded even when the reply never comes.
    static func exchange(_ query: [UInt8], id: UInt16, to address: SocketAddress, from source: SocketAddress?,
                         tcp: Bool, deadline: ContinuousClock.Instant,
                         onConnected: @Sendable (Duration) -> Void) async -> Result<Exchange, Failure> {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let reply = loop.makePromise(of: [UInt8].self)
        let connectStart = ContinuousClock.now
        let channel: any Channel
        do {
            channel = tcp ? try await connectTCP(to: address, from: source, on: loop, reply: reply, id: id, deadline: deadline)
                          : try await connectUDP(to: address, from: source, on: loop, reply: reply, id: id)
        } catch {
            let failure: Failure = switch error {
            case let failure as Failure: failure
            case ChannelError.connectTimeout: .timedOut(step: "connect")
            default: .failed(step: "connect", reason: ProbeError.reason(error))
            }
            reply.fail(failure)
            return .failure(failure)
        }
        let connectTime = ContinuousClock.now - connectStart
        onConnected(connectTime)

        // The reply, a failure, the deadline or cancellation: whichever comes first completes the
        // promise (later completions are no-ops), and the channel is closed in every case.
        let remaining = deadline - .now
        let timer = loop.scheduleTask(in: .nanoseconds(max(0, remaining.nanoseconds))) {
            reply.fail(Failure.timedOut(step: "reply"))
        }
        reply.futureResult.whenComplete { _ in
            timer.cancel()
            channel.close(promise: nil)
        }
        let requestStart = ContinuousClock.now
        var buffer = channel.allocator.buffer(capacity: query.count + 2)
        if tcp { buffer.writeInteger(UInt16(query.count)) }
        buffer.writeBytes(query)
        let written = loop.makePromise(of: Void.self)
        if tcp {
            channel.writeAndFlush(buffer, promise: written)
        } else {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: written)
        }
        written.futureResult.whenFailure { error in
            reply.fail(Failure.failed(step: "send", reason: ProbeError.reason(error)))
        }
        do {
            let bytes = try await withTaskCancellationHandler {
                try await reply.futureResult.get()
            } onCancel: {
                reply.fail(CancellationError())
            }
            return .success(Exchange(reply: bytes, connect: connectTime, request: ContinuousClock.now - requestStart))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.failed(step: "receive", reason: ProbeError.reason(error)))
        }
    }

    /// A UDP socket bound to `source` (if any) and connected to `address`, handed to NIO.
    private static func connectUDP(to address: SocketAddress, from source: SocketAddress?, on loop: any EventLoop,
                                   reply: EventLoopPromise<[UInt8]>, id: UInt16) async throws -> any Channel {
        let family: Int32 = switch address {
        case .v6: AF_INET6
        default: AF_INET
        }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.failed(step: "socket", reason: systemErrorMessage(errno)) }
        if let source, source.withSockAddr({ bind(fd, $0, socklen_t($1)) }) != 0 {
            let code = errno
            close(fd)
            throw Failure.failed(step: "bind to source address \(source.ipAddress ?? "")", reason: systemErrorMessage(code))
        }
        if address.withSockAddr({ connect(fd, $0, socklen_t($1)) }) != 0 {
            let code = errno
            close(fd)
            throw Failure.failed(step: "connect", reason: systemErrorMessage(code))
        }
        do {
            return try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPReplyHandler(reply: reply, id: id))
                    }
                }
                .withBoundSocket(fd).get()
        } catch {
            close(fd)
            throw error
        }
    }

    private static func connectTCP(to address: SocketAddress, from source: SocketAddress?, on loop: any EventLoop,
                                   reply: EventLoopPromise<[UInt8]>, id: UInt16,
                                   deadline: ContinuousClock.Instant) async throws -> any Channel {
        let remaining = deadline - .now
        guard remaining > .zero else { throw Failure.timedOut(step: "connect") }
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(remaining.nanoseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TCPReplyHandler(reply: reply, id: id))
                }
            }
        if let source { bootstrap = bootstrap.bind(to: source) }
        return try await bootstrap.connect(to: address).get()
    }
}

/// Completes the promise with the first datagram carrying the query's id (a reply to an earlier
/// query is ignored, as miekg/dns does), or with the socket's error (ECONNREFUSED).
private final class UDPReplyHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let reply: EventLoopPromise<[UInt8]>
    private let id: UInt16

    init(reply: EventLoopPromise<[UInt8]>, id: UInt16) {
        self.reply = reply
        self.id = id
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes >= 12, envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt16.self) == id else { return }
        reply.succeed(Array(envelope.data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply.fail(DNSTransport.Failure.failed(step: "receive", reason: ProbeError.reason(error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        reply.fail(DNSTransport.Failure.closed)
    }
}

/// Collects the stream until one length-prefixed message is complete and checks its id.
private final class TCPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let reply: EventLoopPromise<[UInt8]>
    private let id: UInt16
    private var received = ByteBuffer()

    init(reply: EventLoopPromise<[UInt8]>, id: UInt16) {
        self.reply = reply
        self.id = id
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
              received.readableBytes >= 2 + Int(length) else { return }
        guard let message = received.getBytes(at: received.readerIndex + 2, length: Int(length)), message.count >= 2 else {
            reply.fail(DNSTransport.Failure.closed)
            return
        }
        let got = UInt16(message[0]) << 8 | UInt16(message[1])
        if got == id {
            reply.succeed(message)
        } else {
            reply.fail(DNSTransport.Failure.idMismatch(got: got, want: id))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply.fail(DNSTransport.Failure.failed(step: "receive", reason: ProbeError.reason(error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        reply.fail(DNSTransport.Failure.closed)
    }
}
