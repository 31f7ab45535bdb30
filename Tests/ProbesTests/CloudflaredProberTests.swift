import CurlClient
import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The cloudflared prober against a real HTTP server on loopback that answers `/metrics` and
/// `/ready` as a tunnel connector does (TestSupport's HTTPTestServer in a cloudflared mode, serving
/// `Fixtures/cloudflared/metrics.txt`: 4 HA connections at lax05, lax06, lax07 and lax05).
/// Serialized: one test binds a port of cloudflared's own range, another needs that range free.
@Suite(.serialized) struct CloudflaredProberTests {
    static let engine = CurlEngine()
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/cloudflared/metrics.txt").path

    static func module(timeout: PrometheusDuration = .seconds(3), _ change: (inout CloudflaredOptions) -> Void = { _ in }) -> ModuleConfig {
        var options = CloudflaredOptions()
        change(&options)
        return ModuleConfig(name: "cloudflared", timeout: timeout, options: .cloudflared(options))
    }

    static func server(_ mode: HTTPTestServer.CloudflaredMode, port: Int = 0) async throws -> HTTPTestServer {
        try await HTTPTestServer.start(port: port, cloudflared: mode, fixture: fixture)
    }

    /// Probes `target` and returns the result, the metrics, the log and how long it took.
    static func probe(_ target: ProbeTarget, _ module: ModuleConfig = module())
        async -> (success: Bool, metrics: MetricSet, log: ProbeLog, elapsed: Duration) {
        let log = ProbeLog()
        let start = ContinuousClock.now
        let result = await runProbe(CloudflaredProber(engine: engine), target: target, module: module, log: log)
        return (result.success, result.metrics, log, ContinuousClock.now - start)
    }

    static func target(_ server: HTTPTestServer) -> ProbeTarget { ProbeTarget(host: "127.0.0.1", port: server.port) }

    @Test func aReadyConnectorIsUpAndItsSeriesPassThroughUnchanged() async throws {
        let server = try await Self.server(.ready)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.sample(named: "vandine_tunnel_up") == 1)
        #expect(m.sample(named: "vandine_tunnel_ready_connections") == 4)
        // lax05 (twice), lax06, lax07; sjc01 is connection 1's previous location, kept at 0.
        #expect(m.sample(named: "vandine_tunnel_edge_locations") == 3)
        #expect(m.sample(named: "cloudflared_tunnel_ha_connections") == 4)
        #expect(m.sample(named: "cloudflared_tunnel_total_requests") == 18231)
        #expect(m.sample(named: "cloudflared_tunnel_response_by_code", labels: ["status_code": "502"]) == 909)
        #expect(m.sample(named: "quic_client_smoothed_rtt", labels: ["conn_index": "2"]) == 23)
        #expect(m.sample(named: "cloudflared_proxy_connect_latency_bucket", labels: ["le": "+Inf"]) == 459)
        #expect(m.family(named: "cloudflared_tunnel_total_requests")?.type == .counter)
        #expect(m.family(named: "cloudflared_proxy_connect_latency")?.type == .histogram)

        // Every family of the fixture, exactly as our parser reads it: names, HELP, types, samples.
        let text = try String(contentsOfFile: Self.fixture, encoding: .utf8)
        let expected = try ExpositionParser.parse(text)
        for family in expected {
            #expect(m.family(named: family.name) == family, "\(family.name)")
        }
        let ours = m.families.map(\.name).filter { expected.map(\.name).contains($0) == false }
        #expect(Set(ours).isSubset(of: ["probe_dns_lookup_time_seconds", "probe_ip_protocol", "probe_ip_addr_hash",
                                        "vandine_tunnel_up", "vandine_tunnel_ready_connections", "vandine_tunnel_edge_locations"]),
                "\(ours)")
    }

    /// The output of a whole probe passes `promtool check metrics` apart from cloudflared's own
    /// names listed in ``PromtoolAllowlist``; our additions are not in that list.
    @Test func thePassedThroughOutputPassesPromtoolApartFromTheAllowlist() async throws {
        let server = try await Self.server(.ready)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(result.success, "\(result.log.entries)")
        var metrics = result.metrics
        metrics.gauge("probe_success", 1, help: "Displays whether or not the probe was a success")
        metrics.gauge("probe_duration_seconds", 0.01, help: "Returns how long the probe took to complete in seconds")
        let body = ExpositionEncoder.encode(metrics)
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: body)
        #expect(lint.status == 0 || lint.status == 3, "promtool could not parse the output: \(lint.stderr)")
        let output = lint.stdout + lint.stderr
        #expect(PromtoolAllowlist.unexpectedProblems(in: output).isEmpty, "\(output)")
        // The allowlist is needed (cloudflared's counters really lack _total) and names none of ours.
        #expect(output.contains("cloudflared_tunnel_total_requests counter metrics should have \"_total\" suffix"))
        #expect(!PromtoolAllowlist.names.keys.contains { $0.hasPrefix("vandine_") || $0.hasPrefix("probe_") })
    }

    @Test func aConnectorWithoutEdgeConnectionsIsDownWithTheReason() async throws {
        let server = try await Self.server(.notReady)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(!result.success)
        #expect(result.metrics.sample(named: "vandine_tunnel_up") == 0)
        #expect(result.metrics.sample(named: "vandine_tunnel_ready_connections") == 0)
        // What it does report still passes through.
        #expect(result.metrics.sample(named: "cloudflared_tunnel_ha_connections") == 0)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("/ready answered HTTP 503 (readyConnections 0)"), "\(reason)")
    }

    @Test func garbageMetricsFailTheProbeWithTheParserLine() async throws {
        let server = try await Self.server(.garbage)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(!result.success)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("/metrics: the /metrics body is not a Prometheus text exposition: line 1"), "\(reason)")
        // /ready still answers: the tunnel itself is up, only its metrics are unreadable.
        #expect(result.metrics.sample(named: "vandine_tunnel_up") == 1)
        #expect(result.metrics.sample(named: "vandine_tunnel_ready_connections") == 4)
        #expect(result.metrics.family(named: "cloudflared_tunnel_total_requests") == nil)
        #expect(result.elapsed < .seconds(2))
    }

    @Test func aTruncatedBodyFailsTheProbe() async throws {
        let server = try await Self.server(.truncated)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(!result.success)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("/metrics failed"), "\(reason)")
        #expect(result.metrics.family(named: "cloudflared_tunnel_total_requests") == nil)
        #expect(result.metrics.sample(named: "vandine_tunnel_ready_connections") == 4)
        #expect(result.elapsed < .seconds(2))
    }

    @Test func aBodyCutMidLineIsRefusedEvenWithoutAnError() throws {
        let body = Array("cloudflared_tunnel_ha_connections 4\ncloudflared_tunnel_total_requests 18".utf8)
        guard case let .failure(error) = CloudflaredPassthrough.read(body, options: CloudflaredOptions()) else {
            Issue.record("a body without its final newline was accepted")
            return
        }
        #expect(error.description == "the /metrics body ends in the middle of a line (truncated after \(body.count) bytes)")
    }

    @Test func aHugeBodyStopsAtTheSizeLimit() async throws {
        let server = try await Self.server(.huge)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server), Self.module { $0.bodySizeLimit = 1 << 20 })
        #expect(!result.success)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("response body larger than 1048576 bytes"), "\(reason)")
        #expect(result.elapsed < .seconds(2))
    }

    @Test func aSlowConnectorIsCutAtTheDeadline() async throws {
        let server = try await Self.server(.slow)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server), Self.module(timeout: .seconds(1)))
        #expect(!result.success)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("/metrics failed"), "\(reason)")
        #expect(result.elapsed < .milliseconds(1500), "\(result.elapsed)")
        #expect(result.metrics.sample(named: "vandine_tunnel_up") == 0)
    }

    @Test func readyWithoutCloudflaredsJSONFailsTheProbe() async throws {
        let server = try await Self.server(.readyGarbage)
        defer { server.stop() }
        let result = await Self.probe(Self.target(server))
        #expect(!result.success)
        let reason = try #require(result.log.failureReason)
        #expect(reason.contains("/ready answered 200 without cloudflared's JSON"), "\(reason)")
        #expect(result.metrics.sample(named: "vandine_tunnel_up") == 0)
        #expect(result.metrics.sample(named: "cloudflared_tunnel_total_requests") == 18231)
    }

    @Test func allowAndDenyListsFilterThePassthroughButNotOurSummary() async throws {
        let server = try await Self.server(.ready)
        defer { server.stop() }
        let module = Self.module {
            $0.allowMetrics = ["cloudflared_tunnel_.*", "build_info"].compactMap(CloudflaredOptions.MetricNamePattern.init)
            $0.denyMetrics = ["cloudflared_tunnel_server_locations"].compactMap(CloudflaredOptions.MetricNamePattern.init)
        }
        let result = await Self.probe(Self.target(server), module)
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.sample(named: "build_info", labels: ["goversion": "go1.22.5", "revision": "2024-08-28T12:00:00Z",
                                                       "type": "", "version": "2024.8.3"]) == 1)
        #expect(m.sample(named: "cloudflared_tunnel_total_requests") == 18231)
        #expect(m.family(named: "go_goroutines") == nil)
        #expect(m.family(named: "quic_client_smoothed_rtt") == nil)
        #expect(m.family(named: "cloudflared_tunnel_server_locations") == nil)
        #expect(m.sample(named: "vandine_tunnel_edge_locations") == 3)
    }

    @Test func seriesNamedLikeTheProbesOwnAreDropped() throws {
        let body = Array("probe_success 1\nvandine_tunnel_up 1\ncloudflared_tunnel_ha_connections 4\n".utf8)
        guard case let .success(passthrough) = CloudflaredPassthrough.read(body, options: CloudflaredOptions()) else {
            Issue.record("refused a valid exposition")
            return
        }
        #expect(passthrough.passed.map(\.name) == ["cloudflared_tunnel_ha_connections"])
        #expect(passthrough.reserved == ["probe_success", "vandine_tunnel_up"])
    }

    @Test func nothingListeningFailsQuicklyWithTheReason() async throws {
        let server = try await Self.server(.ready)
        let port = server.port
        server.stop()
        let result = await Self.probe(ProbeTarget(host: "127.0.0.1", port: port))
        #expect(!result.success)
        #expect(result.log.failureReason == "no cloudflared metrics server on 127.0.0.1: connection refused on port \(port) (is cloudflared running with its metrics server there?)")
        #expect(result.metrics.sample(named: "vandine_tunnel_up") == 0)
        #expect(result.elapsed < .seconds(1))
    }

    @Test func anExplicitAddressIsScrapedWhateverTheTarget() async throws {
        let server = try await Self.server(.ready)
        defer { server.stop() }
        let module = Self.module { $0.address = .explicit(HostPort(host: "127.0.0.1", port: server.port)) }
        let result = await Self.probe(ProbeTarget(host: "localhost"), module)
        #expect(result.success, "\(result.log.entries)")
        #expect(result.log.entries.contains { $0.contains("GET http://127.0.0.1:\(server.port)/metrics") })
    }

    /// cloudflared takes the first free port of 20241 … 20245: a connector on 20243 is found by
    /// trying 20241 and 20242 first. Needs those loopback ports; skipped (with a note) when taken.
    @Test func autoFindsTheConnectorOnItsPortRange() async throws {
        let server: HTTPTestServer
        do {
            server = try await Self.server(.ready, port: 20243)
        } catch {
            print("skipped autoFindsTheConnectorOnItsPortRange: cannot bind 127.0.0.1:20243 (\(error))")
            return
        }
        defer { server.stop() }
        let result = await Self.probe(ProbeTarget(host: "127.0.0.1"))
        #expect(result.success, "\(result.log.entries)")
        let entries = result.log.entries
        #expect(entries.contains { $0.contains("http://127.0.0.1:20241: connection refused") }, "\(entries)")
        #expect(entries.contains { $0.contains("http://127.0.0.1:20242: connection refused") }, "\(entries)")
        #expect(entries.contains { $0.contains("GET http://127.0.0.1:20243/ready") }, "\(entries)")
        #expect(result.metrics.sample(named: "vandine_tunnel_ready_connections") == 4)
    }

    /// cloudflared moves to the next port when another program holds 20241: a web server there
    /// (404 on /metrics) is passed over, not taken for the connector.
    @Test func autoPassesOverAnotherProgramOnTheFirstPort() async throws {
        let other: HTTPTestServer, connector: HTTPTestServer
        do {
            // The connector first and the other program second (and stopped in that order's
            // reverse), so a concurrent scan of these ports elsewhere never sees the 404 alone.
            connector = try await Self.server(.ready, port: 20245)
            other = try await HTTPTestServer.start(port: 20244)
        } catch {
            print("skipped autoPassesOverAnotherProgramOnTheFirstPort: cannot bind 127.0.0.1:20244-20245 (\(error))")
            return
        }
        defer { other.stop(); connector.stop() }
        let result = await Self.probe(ProbeTarget(host: "127.0.0.1"))
        #expect(result.success, "\(result.log.entries)")
        #expect(result.log.entries.contains { $0.contains("http://127.0.0.1:20244: /metrics answered HTTP 404, not a cloudflared metrics server") },
                "\(result.log.entries)")
        #expect(result.metrics.sample(named: "vandine_tunnel_ready_connections") == 4)
    }

    /// `make run` on a machine without a connector: the embedded default's cloudflared module on
    /// localhost reports probe_success 0 and says why. (Assumes no cloudflared on this machine;
    /// skipped when one of its ports answers.)
    @Test func theEmbeddedDefaultWithoutAConnectorSaysWhy() async throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(), file: DefaultConfig.fileName)
        let module = try #require(config.modules["cloudflared"])
        let device = try #require(config.devices.first { $0.name == "localhost" })
        let result = await Self.probe(ProbeTarget(host: device.address, device: device), module)
        if result.success {
            print("skipped theEmbeddedDefaultWithoutAConnectorSaysWhy: a cloudflared metrics server answers on this machine")
            return
        }
        #expect(result.log.failureReason == "no cloudflared metrics server on 127.0.0.1: connection refused on ports 20241, 20242, 20243, 20244, 20245 (is cloudflared running with its metrics server there?)")
        #expect(result.elapsed < .seconds(1))
    }
}
