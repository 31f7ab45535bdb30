import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The TCP prober against real listeners on loopback.
@Suite struct TCPProberTests {
    let module = ModuleConfig(name: "tcp_connect", prober: .tcp, timeout: .seconds(2))

    @Test func connectsToAListener() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let log = ProbeLog()
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1", port: server.port), module: module, log: log)
        #expect(outcome.success)
        #expect(outcome.metrics.sample(named: "probe_ip_protocol") == 4)
        let connect = try #require(outcome.metrics.sample(named: "probe_tcp_connect_duration_seconds"))
        #expect(connect > 0 && connect < 1)
        #expect(log.entries.contains { $0.contains("connected to") })
    }

    @Test func refusedPortFails() async throws {
        let port = try freeLoopbackPort()
        let log = ProbeLog()
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1", port: port), module: module, log: log)
        #expect(!outcome.success)
        #expect(outcome.metrics.sample(named: "probe_tcp_connect_duration_seconds") == nil)
        #expect(log.entries.contains { $0.contains("failed") })
    }

    @Test func bannerMatchingTheRegexSucceeds() async throws {
        let server = try await TCPTestServer(banner: "SSH-2.0-OpenSSH_9.2\r\n")
        defer { Task { await server.stop() } }
        var banner = module
        banner.tcp.expectBanner = RegularExpression("^SSH-2\\.0-")
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1", port: server.port), module: banner, log: ProbeLog())
        #expect(outcome.success)
        #expect(outcome.metrics.sample(named: "probe_failed_due_to_regex") == 0)
    }

    @Test func bannerNotMatchingFails() async throws {
        let server = try await TCPTestServer(banner: "220 smtp.example ESMTP\r\n")
        defer { Task { await server.stop() } }
        var banner = module
        banner.tcp.expectBanner = RegularExpression("^SSH-2\\.0-")
        let log = ProbeLog()
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1", port: server.port), module: banner, log: log)
        #expect(!outcome.success)
        #expect(outcome.metrics.sample(named: "probe_failed_due_to_regex") == 1)
        #expect(log.entries.contains { $0.contains("\"220 smtp.example ESMTP\" does not match") })
    }

    @Test func moduleDefaultPortIsUsedWhenTheTargetHasNone() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        var withPort = module
        withPort.tcp.port = server.port
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1"), module: withPort, log: ProbeLog())
        #expect(outcome.success)
        let noPort = await TCPProber().probe(target: ProbeTarget(host: "127.0.0.1"), module: module, log: ProbeLog())
        #expect(!noPort.success)
    }

    @Test func ipv6LoopbackWorks() async throws {
        // ::1 answers only when the machine has IPv6 on lo; a refused connect still proves the family.
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "::1", port: try freeLoopbackPort()), module: module, log: ProbeLog())
        #expect(outcome.metrics.sample(named: "probe_ip_protocol") == 6)
    }

    @Test func localhostResolvesThroughTheResolver() async throws {
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let outcome = await TCPProber().probe(target: ProbeTarget(host: "localhost", port: server.port), module: module, log: ProbeLog())
        #expect(outcome.success)
        #expect(outcome.metrics.sample(named: "probe_dns_lookup_time_seconds") != nil)
    }
}
