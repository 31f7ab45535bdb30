import NIOCore
import NIOPosix
import NIOSSL
import VandineCore

/// blackbox_exporter's `tcp` prober: resolves the target, connects (optionally from
/// `source_ip_address`, optionally with TLS from the first byte), then plays `query_response`:
/// each `expect` reads lines until one matches (a server may send other lines first: an SSH
/// server's pre-banner lines, SMTP's `220-` continuation lines), each `send` writes its text with
/// the match's groups expanded, and `starttls` upgrades the connection. Every step is bounded by
/// the probe's one deadline.
public struct TCPProber: Prober {
    /// Longest line read before giving up on finding a newline (blackbox's bufio.Scanner default).
    static let maxLineBytes = 64 * 1024

    private let tlsContexts = TLSContextCache()

    public init() {}

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .tcp(options) = context.module.options else { return false }
        var endpoint = context.target.endpoint
        if endpoint.port == nil { endpoint.port = options.port }
        guard endpoint.port != nil else {
            context.log.fail("target \(context.target) has no port and module \(context.module.name) sets no tcp.port")
            return false
        }
        guard let resolved = await TargetResolver.resolve(endpoint, preference: options.ipProtocol, context: context) else {
            return false
        }
        let address = resolved.address

        let connectStart = ContinuousClock.now
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(context.remaining.nanoseconds))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            if let source = options.sourceIPAddress {
                bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
            }
            channel = try await bootstrap.connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        } catch {
            context.log.fail("connect to \(resolved) failed: \(ProbeError.reason(error))")
            return false
        }
        // Whatever happens to this task, the connection does not outlive the deadline.
        let closer = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(context.remaining.nanoseconds)) {
            channel.channel.close(promise: nil)
        }
        defer { closer.cancel() }
        let connectSeconds = (ContinuousClock.now - connectStart).inSeconds
        context.metrics.gauge("probe_tcp_connect_duration_seconds", connectSeconds,
                              help: "Time taken to establish the TCP connection in seconds")
        context.log.log("connected to \(resolved) in \(Int((connectSeconds * 1000).rounded()))ms")

        do {
            return try await channel.executeThenClose { inbound, outbound in
                var reader = LineReader(inbound.makeAsyncIterator())
                if options.tls {
                    guard try await startTLS(on: channel.channel, options: options, context: context) else { return false }
                }
                for (index, step) in options.queryResponse.enumerated() {
                    var match: [String?] = []
                    if let expect = step.expect {
                        context.log.log("query_response step \(index + 1): expecting \(expect.pattern.debugDescription)")
                        guard let found = try await reader.firstMatch(of: expect, maxLineBytes: Self.maxLineBytes, log: context.log,
                                                                      deadline: context.deadline) else {
                            context.metrics.gauge("probe_failed_due_to_regex", 1, help: "Indicates if probe failed due to regex")
                            context.log.fail(context.isExpired
                                ? "no line matched \(expect.pattern.debugDescription) before the deadline"
                                : "no line matched \(expect.pattern.debugDescription) before the connection closed")
                            return false
                        }
                        match = found
                    }
                    if let send = step.send {
                        // blackbox_exporter writes every `send` followed by "\n" (its example
                        // SMTP module sends "EHLO prober\r" to end the line with CRLF).
                        let text = RegularExpression.expand(send, with: match) + "\n"
                        try await outbound.write(ByteBuffer(string: text))
                        context.log.log("sent \(text.debugDescription)")
                    }
                    if step.startTLS {
                        guard try await startTLS(on: channel.channel, options: options, context: context) else { return false }
                    }
                }
                if options.queryResponse.contains(where: { $0.expect != nil }) {
                    context.metrics.gauge("probe_failed_due_to_regex", 0, help: "Indicates if probe failed due to regex")
                }
                return true
            }
        } catch {
            context.log.fail("talking to \(resolved) failed: \(ProbeError.reason(error))")
            return false
        }
    }

    /// Adds TLS to the connection, waits for the handshake within the deadline and records the
    /// certificate and version metrics. False (with the reason logged) when the handshake fails.
    private func startTLS(on channel: any Channel, options: TCPOptions, context: ProbeContext) async throws -> Bool {
        let serverName = options.tlsConfig.serverName ?? (context.target.endpoint.address == nil ? context.target.endpoint.host : nil)
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        do {
            let sslContext = try tlsContexts.context(for: options.tlsConfig)
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: serverName)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: handshake), position: .after(handler))
            }.get()
            try await handshake.futureResult.get()
        } catch {
            handshake.fail(error)
            context.log.fail("TLS handshake failed: \(ProbeError.reason(error))")
            return false
        }
        let version = try? await channel.nioSSL_tlsVersion().get()
        let certificate = try? await channel.nioSSL_peerCertificate().get()
        TLSMetrics.record(version: version.map(TLSMetrics.name), leaf: certificate, context: context)
        context.log.log("TLS handshake done (\(version.map(TLSMetrics.name) ?? "unknown version"))")
        return true
    }
}
