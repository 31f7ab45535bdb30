import Synchronization
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// A prober that records a metric, sleeps, counts its calls and returns a fixed result: to test the
/// handler's deadline and cache without timing a real network.
final class FakeProber: Prober {
    let delay: Duration
    let success: Bool
    let calls = Mutex(0)

    init(delay: Duration = .zero, success: Bool = true) {
        self.delay = delay
        self.success = success
    }

    func probe(_ context: ProbeContext) async -> Bool {
        calls.withLock { $0 += 1 }
        context.log.log("fake probe of \(context.target)")
        context.metrics.gauge("fake_value", 42, help: "A value.")
        if delay > .zero { try? await Task.sleep(for: delay) }
        if !success { context.log.fail("the fake says no") }
        return success
    }
}

/// A registry whose every prober is `prober`.
func registry(_ prober: any Prober) -> ProberRegistry {
    ProberRegistry(tcp: prober, http: prober, dns: prober, icmp: prober, cloudflared: prober)
}

@Suite struct ProbeHandlerTests {
    static func config(timeout: PrometheusDuration = .seconds(5), interval: PrometheusDuration? = nil) -> ExporterConfig {
        ExporterConfig(
            modules: ["tcp_connect": ModuleConfig(name: "tcp_connect", timeout: timeout, interval: interval, options: .tcp(TCPOptions()))],
            devices: [DeviceConfig(name: "pi1", address: "127.0.0.1", modules: ["tcp_connect"],
                                   ssh: SSHSettings(user: "pi", password: Secret("hunter2")))],
            allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!])
        )
    }

    @Test(arguments: [
        (ProbeRequest(target: "127.0.0.1:1", module: nil), ProbeResponse.badRequest("module parameter is missing")),
        (ProbeRequest(target: "127.0.0.1:1", module: "icmp"), .badRequest("unknown module \"icmp\"")),
        (ProbeRequest(target: nil, module: "tcp_connect"), .badRequest("target parameter is missing")),
        (ProbeRequest(target: "a b", module: "tcp_connect"), .badRequest("target \"a b\" is invalid: host name may hold letters, digits, '.', '-' and '_' only, found byte 0x20")),
        (ProbeRequest(target: "127.0.0.1:99999", module: "tcp_connect"), .badRequest("target \"127.0.0.1:99999\" is invalid: port must be 1-65535, got \"99999\"")),
        (ProbeRequest(target: "192.0.2.1:22", module: "tcp_connect"), .forbidden("target \"192.0.2.1\" is not a configured device and not in allowed_targets")),
        (ProbeRequest(target: "example.com:80", module: "tcp_connect"), .forbidden("target \"example.com\" is not a configured device and not in allowed_targets")),
    ])
    func refusals(_ request: ProbeRequest, _ expected: ProbeResponse) async {
        let fake = FakeProber()
        let handler = ProbeHandler(probers: registry(fake))
        let reply = await handler.handle(request, config: Self.config())
        #expect(reply == expected)
        #expect(fake.calls.withLock { $0 } == 0, "a refused request never reaches the prober")
    }

    @Test func deviceNameResolvesToItsAddress() async {
        final class Recorder: Prober {
            let seen = Mutex<ProbeTarget?>(nil)
            func probe(_ context: ProbeContext) async -> Bool {
                seen.withLock { $0 = context.target }
                return true
            }
        }
        let recorder = Recorder()
        let handler = ProbeHandler(probers: registry(recorder))
        _ = await handler.handle(ProbeRequest(target: "PI1:22", module: "tcp_connect"), config: Self.config())
        let seen = recorder.seen.withLock { $0 }
        #expect(seen?.host == "127.0.0.1")
        #expect(seen?.port == 22)
        #expect(seen?.device?.name == "pi1")
    }

    @Test func successAddsProbeSuccessAndDuration() async throws {
        let handler = ProbeHandler(probers: registry(FakeProber()))
        let reply = await handler.handle(ProbeRequest(target: "127.0.0.5:80", module: "tcp_connect"), config: Self.config())
        guard case let .metrics(text) = reply else { Issue.record("expected metrics, got \(reply)"); return }
        let families = try ExpositionParser.parse(text)
        let set = MetricSet(families)
        #expect(set.sample(named: "probe_success") == 1)
        #expect(set.sample(named: "fake_value") == 42)
        #expect((set.sample(named: "probe_duration_seconds") ?? -1) >= 0)
    }

    @Test func slowProbeIsCutAtTheScrapeTimeoutMinusMargin() async throws {
        let fake = FakeProber(delay: .seconds(30))
        let handler = ProbeHandler(probers: registry(fake))
        let start = ContinuousClock.now
        let reply = await handler.handle(ProbeRequest(target: "127.0.0.1:80", module: "tcp_connect", debug: true,
                                                      scrapeTimeoutSeconds: 0.8), config: Self.config())
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(2), "0.8 s header − 0.5 s margin = 300 ms deadline, took \(elapsed)")
        #expect(elapsed >= .milliseconds(290))
        guard case let .debug(text) = reply else { Issue.record("expected debug"); return }
        #expect(text.contains("timeout 300ms"))
        #expect(text.contains("probe timed out after 300ms"))
        #expect(text.contains("probe_success 0"))
        #expect(text.contains("fake_value 42"), "what the prober recorded before the deadline is kept")
    }

    @Test func moduleTimeoutCapsALongerScrapeTimeout() {
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: 10) == .seconds(5))
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: 3) == PrometheusDuration(milliseconds: 2500))
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: nil) == .seconds(5))
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: 0.2) == PrometheusDuration(milliseconds: 50))
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: .nan) == .seconds(5))
        // Client input: huge, infinite, negative and zero values never trap and never lengthen.
        for hostile in [1e308, 1e18, 9.3e15, .infinity, -1, 0, -.infinity, .greatestFiniteMagnitude] {
            #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: hostile) == .seconds(5))
        }
        #expect(ProbeHandler.effectiveTimeout(module: .seconds(5), scrapeTimeout: 0.6) == PrometheusDuration(milliseconds: 100))
    }

    @Test func debugOutputHasLogMetricsAndModuleButNoSecret() async {
        let handler = ProbeHandler(probers: registry(FakeProber()))
        let reply = await handler.handle(ProbeRequest(target: "pi1:22", module: "tcp_connect", debug: true), config: Self.config())
        guard case let .debug(text) = reply else { Issue.record("expected debug"); return }
        #expect(text.contains("Logs for the probe:"))
        #expect(text.contains("fake probe of 127.0.0.1:22"))
        #expect(text.contains("Metrics that would have been returned:"))
        #expect(text.contains("probe_success 1"))
        #expect(text.contains("Module configuration:\nprober: tcp\ntimeout: 5s"))
        #expect(!text.contains("hunter2"))
    }

    @Test func metricConflictsAreLoggedNotDroppedSilently() async {
        final class Clashing: Prober {
            func probe(_ context: ProbeContext) async -> Bool {
                context.metrics.gauge("clash_total", 1, help: "As a gauge.")
                context.metrics.counter("clash_total", 2, help: "As a counter.")
                return true
            }
        }
        let handler = ProbeHandler(probers: registry(Clashing()))
        let response = await handler.handle(ProbeRequest(target: "127.0.0.1:80", module: "tcp_connect", debug: true), config: Self.config())
        guard case let .debug(text) = response else { Issue.record("expected debug"); return }
        #expect(text.contains("metric conflict: metric \"clash_total\" was added as counter but is already a gauge; the counter samples were dropped"))
        #expect(text.contains("clash_total 1"))
    }

    @Test func moduleWithIntervalIsProbedOncePerInterval() async {
        let fake = FakeProber(delay: .milliseconds(50))
        let handler = ProbeHandler(probers: registry(fake))
        let config = Self.config(interval: .seconds(60))
        // Concurrent scrapes while the first probe runs share that run.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask { _ = await handler.handle(ProbeRequest(target: "127.0.0.1:80", module: "tcp_connect"), config: config) }
            }
        }
        _ = await handler.handle(ProbeRequest(target: "127.0.0.1:80", module: "tcp_connect"), config: config)
        #expect(fake.calls.withLock { $0 } == 1)
        _ = await handler.handle(ProbeRequest(target: "127.0.0.2:80", module: "tcp_connect"), config: config)
        #expect(fake.calls.withLock { $0 } == 2, "another target is its own cache entry")
        let ages = await handler.cache.ages()
        #expect(ages.map(\.target) == ["127.0.0.1:80", "127.0.0.2:80"])
    }

    @Test func probeLogIsBounded() {
        let log = ProbeLog()
        for index in 0..<1000 { log.log("line \(index) " + String(repeating: "x", count: index)) }
        log.fail("the reason")
        let entries = log.entries
        #expect(entries.count == ProbeLog.maximumLines + 1)
        #expect(entries.last == "… \(1000 - (ProbeLog.maximumLines - 1)) more log lines dropped")
        #expect(entries.dropLast().last?.hasSuffix("the reason") == true, "the failure reason is always kept")
        #expect(entries.allSatisfy { $0.utf8.count <= ProbeLog.maximumLineBytes + 64 })
        #expect(log.failureReason == "the reason")
    }

    @Test func expiredCacheEntriesLeaveMetrics() async throws {
        let handler = ProbeHandler(probers: registry(FakeProber()))
        let config = Self.config(interval: PrometheusDuration(milliseconds: 50))
        _ = await handler.handle(ProbeRequest(target: "127.0.0.9:80", module: "tcp_connect"), config: config)
        #expect(await handler.cache.ages().map(\.target) == ["127.0.0.9:80"])
        try await Task.sleep(for: .milliseconds(60))  // past the 50 ms interval: a fact of the clock, not a race
        #expect(await handler.cache.ages().isEmpty, "an ad-hoc target probed once does not stay on /metrics")
    }

    @Test func statisticsCountByModuleAndResult() async {
        let handler = ProbeHandler(probers: registry(FakeProber(success: false)))
        for _ in 0..<3 {
            _ = await handler.handle(ProbeRequest(target: "127.0.0.1:80", module: "tcp_connect"), config: Self.config())
        }
        let set = MetricSet(handler.statistics.families())
        #expect(set.sample(named: "vandine_exporter_probes_total", labels: ["module": "tcp_connect", "result": "failure"]) == 3)
        #expect(set.sample(named: "vandine_exporter_probes_total", labels: ["module": "tcp_connect", "result": "success"]) == 0)
        #expect(set.sample(named: "vandine_exporter_probe_duration_seconds_count", labels: ["module": "tcp_connect"]) == 3)
        #expect(handler.history.failures.count == 3)
    }
}

@Suite struct LibSSHTests {
    @Test func libsshLinksAndReportsItsVersion() {
        let version = LibSSH.version
        #expect(version.first?.isNumber == true, "got \(version)")
        #expect(version.contains("."))
    }
}
