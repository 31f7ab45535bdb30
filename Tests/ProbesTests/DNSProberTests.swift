import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The DNS prober against real dnsmasq servers on loopback.
@Suite struct DNSProberTests {
    /// Authoritative for vandine.test: SOA serial 2026112901, NS in the authority section, TTL 300.
    static let authoritative = [
        "--host-record=www.vandine.test,192.0.2.10", "--host-record=www.vandine.test,192.0.2.11",
        "--host-record=ns.vandine.test,192.0.2.53", "--txt-record=txt.vandine.test,hello world",
        "--local=/vandine.test/", "--auth-server=ns.vandine.test,127.0.0.1", "--auth-zone=vandine.test",
        "--auth-soa=2026112901,hostmaster.vandine.test", "--auth-ttl=300",
    ]
    /// A caching server's view of local records: an MX answer carries the mail host's A in the
    /// additional section; unknown names under vandine.test are NXDOMAIN.
    static let recursive = [
        "--mx-host=vandine.test,mail.vandine.test,10", "--host-record=mail.vandine.test,192.0.2.25",
        "--host-record=www.vandine.test,192.0.2.10", "--local=/vandine.test/",
    ]

    struct Run {
        let success: Bool
        let metrics: MetricSet
        let log: ProbeLog
        let elapsed: Duration

        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { metrics.sample(named: name, labels: labels) }
    }

    static func options(_ name: String, _ type: String = "A", tcp: Bool = false, configure: (inout DNSOptions) -> Void = { _ in }) -> DNSOptions {
        var options = DNSOptions(queryName: name, queryType: type, transportProtocol: tcp ? .tcp : .udp,
                                 ipProtocol: IPProtocolPreference(preferred: .ip4))
        configure(&options)
        return options
    }

    static func probe(port: Int, host: String = "127.0.0.1", _ options: DNSOptions, timeout: Duration = .seconds(2)) async -> Run {
        let log = ProbeLog()
        let context = ProbeContext(target: ProbeTarget(host: host, port: port),
                                   module: ModuleConfig(name: "dns_test", options: .dns(options)),
                                   log: log, deadline: .now + timeout)
        let start = ContinuousClock.now
        let success = await DNSProber().probe(context)
        return Run(success: success, metrics: context.metrics.snapshot, log: log, elapsed: .now - start)
    }

    @Test(arguments: [false, true])
    func queryForTwoAddressesSucceeds(tcp: Bool) async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test", tcp: tcp))
        #expect(run.success, "\(run.log.entries)")
        #expect(run.value("probe_dns_query_succeeded") == 1)
        #expect(run.value("probe_dns_answer_rrs") == 2)
        #expect(run.value("probe_dns_authority_rrs") == 1)
        #expect(run.value("probe_dns_additional_rrs") == 0)
        #expect(run.value("probe_dns_rcode") == 0)
        #expect(run.value("probe_dns_answer_ttl_seconds") == 300)
        #expect(run.value("probe_dns_serial") == nil, "only SOA queries report a serial")
        #expect(run.value("probe_ip_protocol") == 4)
        for phase in ["resolve", "connect", "request"] {
            let seconds = try #require(run.value("probe_dns_duration_seconds", ["phase": phase]))
            #expect(seconds >= 0 && seconds < 1)
        }
        #expect(try #require(run.value("probe_dns_duration_seconds", ["phase": "request"])) > 0)
        #expect(run.log.entries.contains { $0.contains("over \(tcp ? "tcp" : "udp")") && $0.contains("www.vandine.test A IN") })
    }

    @Test(arguments: [false, true])
    func additionalSectionIsCounted(tcp: Bool) async throws {
        let server = try await DNSTestServer(arguments: Self.recursive)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("vandine.test", "MX", tcp: tcp) {
            $0.validateAdditional.failIfNotMatches = [RegularExpression("^mail\\.vandine\\.test\\.\t[0-9]+\tIN\tA\t192\\.0\\.2\\.25$")!]
        })
        #expect(run.success, "\(run.log.entries)")
        #expect(run.value("probe_dns_answer_rrs") == 1)
        #expect(run.value("probe_dns_authority_rrs") == 0)
        #expect(run.value("probe_dns_additional_rrs") == 1)
    }

    @Test func nxdomainFailsUnlessItIsAValidRcode() async throws {
        let server = try await DNSTestServer(arguments: Self.recursive)
        defer { server.stop() }
        let failed = await Self.probe(port: server.port, Self.options("nothing.vandine.test"))
        #expect(!failed.success)
        #expect(failed.value("probe_dns_rcode") == 3)
        #expect(failed.value("probe_dns_query_succeeded") == 1, "a reply arrived; only its rcode is wrong")
        #expect(failed.log.failureReason == "server replied NXDOMAIN, valid rcodes are NOERROR")

        let accepted = await Self.probe(port: server.port, Self.options("nothing.vandine.test") { $0.validRcodes = ["NXDOMAIN"] })
        #expect(accepted.success, "\(accepted.log.entries)")
        #expect(accepted.value("probe_dns_rcode") == 3)
    }

    /// dnsmasq validating DNSSEC against an unsigned upstream answers SERVFAIL.
    @Test func servfail() async throws {
        let upstream = try await DNSTestServer(arguments: Self.recursive)
        defer { upstream.stop() }
        let validating = try await DNSTestServer(arguments: [
            "--dnssec", "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
            "--server=127.0.0.1#\(upstream.port)",
        ])
        defer { validating.stop() }
        let failed = await Self.probe(port: validating.port, Self.options("www.vandine.test"))
        #expect(!failed.success)
        #expect(failed.value("probe_dns_rcode") == 2)
        #expect(failed.log.failureReason == "server replied SERVFAIL, valid rcodes are NOERROR")
        let accepted = await Self.probe(port: validating.port, Self.options("www.vandine.test") { $0.validRcodes = ["NOERROR", "SERVFAIL"] })
        #expect(accepted.success)
    }

    /// An authoritative-only server refuses names outside its zone.
    @Test func refused() async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("www.example.org"))
        #expect(!run.success)
        #expect(run.value("probe_dns_rcode") == 5)
        #expect(run.log.failureReason == "server replied REFUSED, valid rcodes are NOERROR")
    }

    @Test(arguments: [false, true])
    func soaQueryReportsTheSerial(tcp: Bool) async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("vandine.test", "SOA", tcp: tcp))
        #expect(run.success, "\(run.log.entries)")
        #expect(run.value("probe_dns_serial") == 2026112901)
        #expect(run.value("probe_dns_answer_rrs") == 1)
    }

    /// Each rule, passing and failing, on the answer section (`www.vandine.test.\t300\tIN\tA\t192.0.2.10`
    /// and `…11`), the authority section (one NS) and the empty additional section.
    static let rules: [(String, DNSRRValidator, section: String, passes: Bool)] = [
        ("matches: no RR matches", DNSRRValidator(failIfMatches: [re("192\\.0\\.2\\.99")]), "answer", true),
        ("matches: one RR matches", DNSRRValidator(failIfMatches: [re("192\\.0\\.2\\.11$")]), "answer", false),
        ("not matches: every RR matches", DNSRRValidator(failIfNotMatches: [re("^www\\.vandine\\.test\\.\t300\tIN\tA\t192\\.0\\.2\\.1[01]$")]), "answer", true),
        ("not matches: one RR does not", DNSRRValidator(failIfNotMatches: [re("192\\.0\\.2\\.10$")]), "answer", false),
        ("all match: every RR matches", DNSRRValidator(failIfAllMatch: [re("^www\\.vandine\\.test\\.")]), "answer", true),
        ("all match: one RR does not", DNSRRValidator(failIfAllMatch: [re("192\\.0\\.2\\.10$")]), "answer", false),
        ("none matches: one RR matches", DNSRRValidator(failIfNoneMatches: [re("192\\.0\\.2\\.99"), re("192\\.0\\.2\\.11$")]), "answer", true),
        ("none matches: no RR matches", DNSRRValidator(failIfNoneMatches: [re("192\\.0\\.2\\.99")]), "answer", false),
        ("authority not matches: the NS matches", DNSRRValidator(failIfNotMatches: [re("\tIN\tNS\tns\\.vandine\\.test\\.$")]), "authority", true),
        ("authority matches: the NS matches", DNSRRValidator(failIfMatches: [re("\tNS\t")]), "authority", false),
        ("empty additional: none matches fails", DNSRRValidator(failIfNoneMatches: [re(".")]), "additional", false),
        ("empty additional: not matches fails", DNSRRValidator(failIfNotMatches: [re(".")]), "additional", false),
        ("empty additional: all match passes", DNSRRValidator(failIfAllMatch: [re("never")]), "additional", true),
    ]

    static func re(_ pattern: String) -> RegularExpression { RegularExpression(pattern)! }

    @Test(arguments: rules)
    func rrValidation(_ rule: (String, DNSRRValidator, section: String, passes: Bool)) async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let options = Self.options("www.vandine.test") {
            switch rule.section {
            case "answer": $0.validateAnswer = rule.1
            case "authority": $0.validateAuthority = rule.1
            default: $0.validateAdditional = rule.1
            }
        }
        let run = await Self.probe(port: server.port, options)
        #expect(run.value("probe_dns_answer_rrs") == 2)
        #expect(run.success == rule.passes, "\(rule.0): \(run.log.entries)")
        if !rule.passes {
            #expect(run.log.failureReason?.contains(rule.section) == true, "\(run.log.failureReason ?? "no reason")")
        }
    }

    @Test func silentServerFailsAtTheDeadlineAndKeepsItsMetrics() async throws {
        let server = try await SilentUDPServer()
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test"), timeout: .milliseconds(300))
        await server.stop()
        #expect(!run.success)
        #expect(run.elapsed >= .milliseconds(250) && run.elapsed < .seconds(2))
        #expect(run.log.failureReason?.hasPrefix("no reply from 127.0.0.1:\(server.port) over udp within") == true, "\(run.log.entries)")
        #expect(run.value("probe_dns_duration_seconds", ["phase": "resolve"]) != nil)
        #expect(run.value("probe_dns_duration_seconds", ["phase": "connect"]) != nil)
        #expect(run.value("probe_dns_query_succeeded") == 0)
        #expect(run.value("probe_dns_answer_rrs") == 0)
        #expect(run.value("probe_dns_rcode") == nil)
        #expect(run.value("probe_ip_protocol") == 4)
    }

    @Test func silentTCPServerFailsAtTheDeadline() async throws {
        let server = try await TCPTestServer(silent: true)
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test", tcp: true), timeout: .seconds(1))
        await server.stop()
        #expect(!run.success)
        #expect(run.elapsed < .milliseconds(2500), "cut at the 1 s deadline: the server never answers")
        #expect(run.log.failureReason?.hasPrefix("no reply from") == true, "\(run.log.entries)")
    }

    @Test(arguments: [false, true])
    func closedPortIsRefused(tcp: Bool) async throws {
        // TCP: a port held by a bound, non-listening socket stays refused while tests run in parallel.
        let closed = try ClosedTCPPort()
        let port = tcp ? closed.port : try freeLoopbackPort()
        let run = await Self.probe(port: port, Self.options("www.vandine.test", tcp: tcp), timeout: .seconds(5))
        #expect(!run.success)
        #expect(run.elapsed < .milliseconds(2500), "refused at once, not at the 5 s timeout")
        #expect(run.log.failureReason?.hasSuffix("connection refused") == true, "\(run.log.failureReason ?? "")")
    }

    @Test func sourceAddressAndHostNameTarget() async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, host: "localhost",
                                   Self.options("txt.vandine.test", "TXT") {
                                       $0.sourceIPAddress = "127.0.0.1"
                                       $0.validateAnswer.failIfNoneMatches = [RegularExpression("\tTXT\t\"hello world\"$")!]
                                   })
        #expect(run.success, "\(run.log.entries)")
        #expect(run.value("probe_dns_lookup_time_seconds") != nil)
        let wrongFamily = await Self.probe(port: server.port, Self.options("www.vandine.test") { $0.sourceIPAddress = "::1" })
        #expect(!wrongFamily.success)
        #expect(wrongFamily.log.failureReason?.contains("bind to source address ::1 failed: ") == true, "\(wrongFamily.log.failureReason ?? "")")
    }

    @Test func recursionNotDesiredStillGetsAuthoritativeAnswers() async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test") { $0.recursionDesired = false })
        #expect(run.success, "\(run.log.entries)")
        #expect(run.log.entries.contains { $0.contains("recursion not desired") })
    }

    @Test func promtoolAcceptsTheExposition() async throws {
        let server = try await DNSTestServer(arguments: Self.authoritative)
        defer { server.stop() }
        let run = await Self.probe(port: server.port, Self.options("vandine.test", "SOA"))
        #expect(run.success)
        let exposition = ExpositionEncoder.encode(run.metrics.families)
        #expect(exposition.contains("probe_dns_duration_seconds{phase=\"request\"}"))
        // promtool blocks while it runs: off the cooperative threads the other tests share.
        let result = try await NIOThreadPool.singleton.runIfActive { try Command.run("promtool", ["check", "metrics"], input: exposition) }
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}

/// A UDP "server" that answers each query with replies built from it by `replies` (the query with
/// QR set is a valid, empty reply): to test id matching and the TC flag, which dnsmasq cannot be
/// made to get wrong.
final class ScriptedUDPServer: Sendable {
    let port: Int
    private let channel: any Channel

    init(replies: @escaping @Sendable ([UInt8]) -> [[UInt8]]) async throws {
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Responder(replies: replies)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func stop() async { try? await channel.close() }

    /// `query` as a reply: QR set, plus `flags` in the third byte, id XOR `idMask`.
    static func reply(to query: [UInt8], flags: UInt8 = 0, idMask: UInt16 = 0) -> [UInt8] {
        var reply = query
        reply[0] ^= UInt8(idMask >> 8)
        reply[1] ^= UInt8(idMask & 0xFF)
        reply[2] |= 0x80 | flags
        return reply
    }

    private final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let replies: @Sendable ([UInt8]) -> [[UInt8]]
        init(replies: @escaping @Sendable ([UInt8]) -> [[UInt8]]) { self.replies = replies }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            for reply in replies(Array(envelope.data.readableBytesView)) {
                let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))
                context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            }
        }
    }
}

extension DNSProberTests {
    @Test func udpRepliesWithAnotherIdAreIgnored() async throws {
        let server = try await ScriptedUDPServer { query in
            [ScriptedUDPServer.reply(to: query, idMask: 0xFFFF), ScriptedUDPServer.reply(to: query)]
        }
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test"))
        await server.stop()
        #expect(run.success, "\(run.log.entries)")
        #expect(run.value("probe_dns_answer_rrs") == 0)

        let onlyWrong = try await ScriptedUDPServer { query in [ScriptedUDPServer.reply(to: query, idMask: 0x0101)] }
        let wrong = await Self.probe(port: onlyWrong.port, Self.options("www.vandine.test"), timeout: .milliseconds(300))
        await onlyWrong.stop()
        #expect(!wrong.success)
        #expect(wrong.log.failureReason?.hasPrefix("no reply from") == true)
    }

    /// blackbox does not retry a truncated UDP reply over TCP: the reply is judged as it is.
    @Test func truncatedReplyIsLoggedAndJudgedAsItIs() async throws {
        let server = try await ScriptedUDPServer { query in [ScriptedUDPServer.reply(to: query, flags: 0x02)] }
        let run = await Self.probe(port: server.port, Self.options("www.vandine.test"))
        let strict = await Self.probe(port: server.port, Self.options("www.vandine.test") {
            $0.validateAnswer.failIfNoneMatches = [RegularExpression(".")!]
        })
        await server.stop()
        #expect(run.success)
        #expect(run.log.entries.contains { $0.contains("truncated (TC flag)") })
        #expect(!strict.success)
        #expect(strict.log.failureReason == "fail_if_none_matches_regexp is set for the answer section but the reply has no answer RRs")
    }
}
