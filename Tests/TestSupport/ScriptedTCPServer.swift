import NIOCore
import NIOPosix
import NIOSSL

/// A line-based TCP server on 127.0.0.1 for `query_response` tests: sends `greeting` on connect,
/// then answers each line it receives whose text starts with a key of `replies` with that reply.
/// A reply of `Self.startTLS` sends "220 go ahead" and switches the connection to TLS with
/// `tls` (STARTTLS as SMTP does it). With `tlsFromStart`, the whole connection is TLS.
public final class ScriptedTCPServer: Sendable {
    public static let startTLS = "<starttls>"
    public let port: Int
    private let channel: any Channel

    public init(greeting: String, replies: [String: String] = [:], tls: TLSConfiguration? = nil,
                tlsFromStart: Bool = false) async throws {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if tlsFromStart, let context {
                        try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try child.pipeline.syncOperations.addHandler(Script(greeting: greeting, replies: replies, tls: context))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await channel.close()
    }
}

private struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        var line = buffer.readString(length: newline - buffer.readerIndex + 1) ?? ""
        line = String(line.dropLast())
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(NIOAny(line))
        return .continue
    }
}

private final class Script: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer
    let greeting: String
    let replies: [String: String]
    let tls: NIOSSLContext?

    init(greeting: String, replies: [String: String], tls: NIOSSLContext?) {
        self.greeting = greeting
        self.replies = replies
        self.tls = tls
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: greeting)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        guard let reply = replies.first(where: { line.hasPrefix($0.key) })?.value else { return }
        if reply == ScriptedTCPServer.startTLS, let tls {
            let write = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "220 go ahead\r\n")))
            let pipeline = context.pipeline
            write.whenSuccess {
                try? pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
            }
            return
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: reply)), promise: nil)
    }
}
