import Foundation
import NIOSSL
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Runs `prober` once with a fresh context and returns what it reported.
func runProbe(_ prober: any Prober, target: ProbeTarget, module: ModuleConfig,
              log: ProbeLog = ProbeLog()) async -> (success: Bool, metrics: MetricSet) {
    let context = ProbeContext(target: target, module: module, log: log, deadline: .now + module.timeout.duration)
    let success = await prober.probe(context)
    return (success, context.metrics.snapshot)
}

/// The TCP prober against real listeners on loopback.
@Suite struct TCPProberTests {
    /// 5 s: probes that succeed end early, and with the whole suite running on 2 cores a STARTTLS
    /// handshake once took over 2 s. Tests about deadlines set their own timeouts.
    let module = ModuleConfig(name: "tcp_connect", timeout: .seconds(5), options: .tcp(TCPOptions()))

    func with(_ change: (inout TCPOptions) -> Void) -> ModuleConfig {
        guard case var .tcp(options) = module.options else { fatalError() }
        change(&options)
        var copy = module
        copy.options = .tcp(options)
        return copy
    }

    @Test func connectsToAListener() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let log = ProbeLog()
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: module, log: log)
        #expect(result.success)
        #expect(result.metrics.sample(named: "probe_ip_protocol") == 4)
        #expect(result.metrics.sample(named: "probe_ip_addr_hash") == Double(IPAddress("127.0.0.1")!.fnv1aHash))
        let connect = try #require(result.metrics.sample(named: "probe_tcp_connect_duration_seconds"))
        #expect(connect > 0 && connect < 5, "a loopback connect, with room for a loaded machine: \(connect) s")
        #expect(log.entries.contains { $0.contains("connected to") })
    }

    @Test func refusedPortFailsWithOneCleanReason() async throws {
        let closed = try ClosedTCPPort()
        let port = closed.port
        let log = ProbeLog()
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: port), module: module, log: log)
        #expect(!result.success)
        #expect(result.metrics.sample(named: "probe_tcp_connect_duration_seconds") == nil)
        #expect(log.failureReason == "connect to 127.0.0.1:\(port) failed: connection refused")
    }

    @Test func bannerMatchingTheRegexSucceeds() async throws {
        let server = try await TCPTestServer(banner: "SSH-2.0-OpenSSH_9.2\r\n")
        defer { Task { await server.stop() } }
        let banner = with { $0.queryResponse = [.init(expect: RegularExpression("^SSH-2\\.0-"))] }
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: banner)
        #expect(result.success)
        #expect(result.metrics.sample(named: "probe_failed_due_to_regex") == 0)
    }

    @Test func bannerNotMatchingFails() async throws {
        let server = try await TCPTestServer(banner: "220 smtp.example ESMTP\r\n")
        defer { Task { await server.stop() } }
        let banner = with { $0.queryResponse = [.init(expect: RegularExpression("^SSH-2\\.0-"))] }
        let log = ProbeLog()
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: banner, log: log)
        #expect(!result.success)
        #expect(result.metrics.sample(named: "probe_failed_due_to_regex") == 1)
        #expect(log.entries.contains { $0.contains("read \"220 smtp.example ESMTP\": no match") })
    }

    @Test func linesBeforeTheRealGreetingAreSkipped() async throws {
        // RFC 4253 §4.2: a server MAY send other lines before its version line.
        let server = try await TCPTestServer(banner: "Welcome to pi1\r\nauthorised users only\r\nSSH-2.0-OpenSSH_9.2\r\n")
        defer { Task { await server.stop() } }
        let banner = with { $0.queryResponse = [.init(expect: RegularExpression("^SSH-2\\.0-"))] }
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: banner)
        #expect(result.success)
    }

    @Test func smtpDialogueWithMultiLineGreetingAndGroupExpansion() async throws {
        let server = try await ScriptedTCPServer(
            greeting: "220-mail.vandine.test ESMTP\r\n220-no spam\r\n220 mail.vandine.test ready\r\n",
            replies: ["EHLO mail.vandine.test": "250-mail.vandine.test\r\n250-STARTTLS\r\n250 OK\r\n", "QUIT": "221 bye\r\n"])
        defer { Task { await server.stop() } }
        let smtp = with {
            $0.queryResponse = [
                // As in blackbox, `${1}` expands the groups of the same step's `expect`.
                .init(expect: RegularExpression("^220 ([^ ]+) ready$"), send: "EHLO ${1}\r"),
                .init(expect: RegularExpression("^250-STARTTLS")),
                .init(send: "QUIT\r"),
                .init(expect: RegularExpression("^221 ")),
            ]
        }
        let log = ProbeLog()
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: smtp, log: log)
        #expect(result.success, "\(log.entries)")
        #expect(log.entries.contains { $0.contains("sent \"EHLO mail.vandine.test\\r\\n\"") })
    }

    @Test func startTLSUpgradesAndReportsTheCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try TestCertificates(in: directory)
        let serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        let server = try await ScriptedTCPServer(
            greeting: "220 ready\r\n", replies: ["STARTTLS": ScriptedTCPServer.startTLS, "NOOP": "250 ok\r\n"], tls: serverTLS)
        defer { Task { await server.stop() } }
        let smtp = with {
            $0.queryResponse = [
                .init(expect: RegularExpression("^220 ")), .init(send: "STARTTLS\r"),
                .init(expect: RegularExpression("^220 go ahead"), startTLS: true),
                .init(send: "NOOP\r"), .init(expect: RegularExpression("^250 ok")),
            ]
            $0.tlsConfig = TLSClientConfig(caFile: certificates.certificate)
        }
        let log = ProbeLog()
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: smtp, log: log)
        #expect(result.success, "\(log.entries)")
        #expect(result.metrics.sample(named: "probe_tls_version_info", labels: ["version": "TLS 1.3"]) == 1)
        let expiry = try #require(result.metrics.sample(named: "probe_ssl_earliest_cert_expiry"))
        #expect(expiry > Date().timeIntervalSince1970 && expiry < Date().timeIntervalSince1970 + 3 * 86400)
        let info = result.metrics.family(named: "probe_ssl_last_chain_info")?.samples.first?.labels ?? [:]
        #expect(info["subject"] == "CN=127.0.0.1" && info["issuer"] == "CN=vandine-test-ca" && info["subjectalternative"] == "")
        #expect(info["fingerprint_sha256"]?.count == 64)

        // Without the test CA the handshake fails verification, with one clean reason.
        let untrusted = with { options in
            guard case let .tcp(tcp) = smtp.options else { return }
            options = tcp
            options.tlsConfig = TLSClientConfig()
        }
        let failLog = ProbeLog()
        let failed = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: server.port), module: untrusted, log: failLog)
        #expect(!failed.success)
        #expect(failLog.failureReason?.hasPrefix("TLS handshake failed: TLS:") == true, "\(failLog.entries)")
    }

    /// A service that streams lines that never match: the probe ends at its deadline with a
    /// bounded log, and a line longer than 64 KiB fails it at once (blackbox's scanner limit).
    @Test func endlessOrHugeLinesStayBounded() async throws {
        let chatter = try await TCPTestServer(flood: "nomatch\n")
        defer { Task { await chatter.stop() } }
        var expectOK = with { $0.queryResponse = [.init(expect: RegularExpression("^OK"))] }
        expectOK.timeout = .seconds(1)
        let log = ProbeLog()
        let start = ContinuousClock.now
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: chatter.port), module: expectOK, log: log)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(!result.success)
        #expect(log.entries.count <= ProbeLog.maximumLines + 1)
        #expect(log.failureReason == "no line matched \"^OK\" before the deadline")

        let longLine = try await TCPTestServer(flood: "x")
        defer { Task { await longLine.stop() } }
        let longLog = ProbeLog()
        let long = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1", port: longLine.port), module: expectOK, log: longLog)
        #expect(!long.success)
        #expect(longLog.failureReason == "talking to 127.0.0.1:\(longLine.port) failed: the server sent a line longer than 65536 bytes")
    }

    @Test func moduleDefaultPortIsUsedWhenTheTargetHasNone() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let withPort = with { $0.port = server.port }
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1"), module: withPort)
        #expect(result.success)
        let noPort = await runProbe(TCPProber(), target: ProbeTarget(host: "127.0.0.1"), module: module)
        #expect(!noPort.success)
    }

    @Test func ipv6LoopbackWorks() async throws {
        // ::1 answers only when the machine has IPv6 on lo; a refused connect still proves the family.
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "::1", port: try freeLoopbackPort()), module: module)
        #expect(result.metrics.sample(named: "probe_ip_protocol") == 6)
    }

    @Test func localhostResolvesThroughTheResolver() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let ip4 = with { $0.ipProtocol = IPProtocolPreference(preferred: .ip4) }
        let result = await runProbe(TCPProber(), target: ProbeTarget(host: "localhost", port: server.port), module: ip4)
        #expect(result.success)
        #expect(result.metrics.sample(named: "probe_dns_lookup_time_seconds") != nil)
    }

    @Test func silentServerIsCutAtTheDeadlineAndKeepsTheConnectTime() async throws {
        let server = try await TCPTestServer(silent: true)
        defer { Task { await server.stop() } }
        var banner = with { $0.queryResponse = [.init(expect: RegularExpression("^SSH-"))] }
        // 2 s: on a loaded machine (the whole suite in parallel on 2 cores) a loopback connect once
        // took most of a 1 s budget, and the connect time is what this test is about.
        banner.timeout = .seconds(2)
        let handler = ProbeHandler(probers: registry(TCPProber()))
        let config = ExporterConfig(modules: ["banner": banner], allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))
        let start = ContinuousClock.now
        let response = await handler.handle(ProbeRequest(target: "127.0.0.1:\(server.port)", module: "banner"), config: config)
        #expect(ContinuousClock.now - start < .milliseconds(4000), "cut at the 2 s deadline (the server never speaks)")
        guard case let .metrics(text) = response else { Issue.record("expected metrics"); return }
        let set = MetricSet(try ExpositionParser.parse(text))
        #expect(set.sample(named: "probe_success") == 0)
        #expect(set.sample(named: "probe_tcp_connect_duration_seconds") != nil, "measured before the deadline, kept after it")
        #expect(set.sample(named: "probe_timeout_seconds") == 2)
    }
}
