import NIOCore
import NIOPosix
import VandineCore

/// TCP connect probe: resolves the host, connects, and when the module has `expect_banner` reads the
/// first line the server sends and matches it.
public struct TCPProber: Prober {
    /// Longest banner we read before giving up on finding a newline.
    static let maxBannerBytes = 4096

    public init() {}

    public func probe(target: ProbeTarget, module: ModuleConfig, log: ProbeLog) async -> ProbeOutcome {
        var metrics = MetricSet()
        let options = module.tcp
        guard let port = target.port ?? options.port else {
            log.log("target \(target.host) has no port and module \(module.name) sets no tcp.port")
            return ProbeOutcome(success: false, metrics: metrics)
        }

        let resolveStart = ContinuousClock.now
        let addresses: [SocketAddress]
        do {
            addresses = try await HostResolver.resolve(host: target.host, port: port,
                                                       preferred: options.preferredIPProtocol,
                                                       fallback: options.ipProtocolFallback)
        } catch {
            log.log("resolve failed: \(error)")
            metrics.gauge("probe_dns_lookup_time_seconds", (ContinuousClock.now - resolveStart).inSeconds,
                          help: "Returns the time taken for probe dns lookup in seconds")
            return ProbeOutcome(success: false, metrics: metrics)
        }
        let address = addresses[0]
        metrics.gauge("probe_dns_lookup_time_seconds", (ContinuousClock.now - resolveStart).inSeconds,
                      help: "Returns the time taken for probe dns lookup in seconds")
        let family: Double = if case .v6 = address { 6 } else { 4 }
        metrics.gauge("probe_ip_protocol", family, help: "Specifies whether probe ip protocol is IP4 or IP6")
        log.log("resolved \(target.host) to \(address)")

        let connectStart = ContinuousClock.now
        var connected = false
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(module.timeout.milliseconds))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            // Whatever happens to this task, the connection does not outlive the module's timeout.
            let closer = channel.channel.eventLoop.scheduleTask(in: .milliseconds(module.timeout.milliseconds)) {
                channel.channel.close(promise: nil)
            }
            // Cancelled on the way out, so a fast probe does not keep its channel alive until then.
            defer { closer.cancel() }
            connected = true
            let connectDuration = (ContinuousClock.now - connectStart).inSeconds
            metrics.gauge("probe_tcp_connect_duration_seconds", connectDuration,
                          help: "Time taken to establish the TCP connection in seconds")
            log.log("connected to \(address) in \(Int(connectDuration * 1000))ms")

            guard let pattern = options.expectBanner else {
                try await channel.executeThenClose { _, _ in }
                return ProbeOutcome(success: true, metrics: metrics)
            }
            let banner = try await channel.executeThenClose { inbound, _ in
                try await Self.readLine(from: inbound)
            }
            let matched = pattern.matches(banner)
            log.log("banner \(banner.debugDescription) \(matched ? "matches" : "does not match") \(pattern.pattern.debugDescription)")
            metrics.gauge("probe_failed_due_to_regex", matched ? 0 : 1,
                          help: "Indicates if probe failed due to regex")
            return ProbeOutcome(success: matched, metrics: metrics)
        } catch {
            log.log(connected ? "reading the banner from \(address) failed: \(error)" : "connect to \(address) failed: \(error)")
            return ProbeOutcome(success: false, metrics: metrics)
        }
    }

    /// Reads until the first newline, end of stream, or `maxBannerBytes`.
    static func readLine(from inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> String {
        var collected = ByteBuffer()
        for try await var chunk in inbound {
            collected.writeBuffer(&chunk)
            if collected.readableBytesView.contains(UInt8(ascii: "\n")) || collected.readableBytes >= maxBannerBytes { break }
        }
        let bytes = collected.readableBytesView.prefix(while: { $0 != UInt8(ascii: "\n") }).prefix(maxBannerBytes)
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
