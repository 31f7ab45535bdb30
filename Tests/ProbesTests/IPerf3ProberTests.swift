import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The iperf3 prober against a real `iperf3 -s` on loopback started by each test. Runs are 1 s
/// long; TCP runs are capped (`bitrate`) so that the comparison with `iperf3 -c` run directly
/// measures our plumbing rather than how busy the 2-core machine is with other tests.
///
/// Each of the two iperf3 suites runs its tests one at a time (the two suites beside each other):
/// with all nine at once, the other suites' timing tests failed in about one full run of three on
/// this 2-core machine (none in eight runs with them serialized, none in three without them).
@Suite(.serialized) struct IPerf3ProberTests {
    static func module(timeout: PrometheusDuration = .seconds(5), change: (inout IPerf3Options) -> Void = { _ in }) -> ModuleConfig {
        var options = IPerf3Options(duration: .seconds(1), ipProtocol: IPProtocolPreference(preferred: .ip4))
        change(&options)
        return ModuleConfig(name: "iperf3", timeout: timeout, options: .iperf3(options))
    }

    static func target(_ port: Int) -> ProbeTarget { ProbeTarget(host: "127.0.0.1", port: port) }

    /// `iperf3 -c` run directly (off the cooperative pool), its report parsed.
    static func direct(_ arguments: [String]) async throws -> IPerf3Report {
        let result = try await Command.runOffPool("iperf3", arguments + ["-J", "-i", "0"])
        return try IPerf3Report.parse(Array(result.stdout.utf8)).get()
    }

    /// Probe first, then `iperf3 -c` with the same settings on the same server; the received
    /// rates agree within 20 %.
    func compare(_ change: (inout IPerf3Options) -> Void, direct flags: [String], udp: Bool) async throws {
        let server = try await IPerf3TestServer()
        defer { server.stop() }
        let log = ProbeLog()
        let prober = IPerf3Prober(queue: IPerf3Queue(startupStagger: .zero))
        let (success, metrics) = await runProbe(prober, target: Self.target(server.port), module: Self.module(change: change), log: log)
        #expect(success, "\(log.entries) server log: \(server.log)")
        #expect(metrics.sample(named: "iperf3_up") == 1)
        let probed = try #require(metrics.sample(named: "vandine_iperf3_received_bits_per_second"))
        let bytes = try #require(metrics.sample(named: "iperf3_received_bytes"))
        let seconds = try #require(metrics.sample(named: "iperf3_received_seconds"))
        #expect(seconds > 0.9 && seconds < 1.5, "a 1 s test")
        #expect(abs(bytes * 8 / seconds - probed) / probed < 0.01, "bits per second = bytes × 8 ÷ seconds")
        #expect(metrics.sample(named: "iperf3_sent_bytes").map { $0 > 0 } == true)
        #expect(metrics.sample(named: "iperf3_sent_seconds").map { $0 > 0.9 } == true)
        if udp {
            #expect(metrics.sample(named: "iperf3_received_packets").map { $0 > 0 } == true)
            #expect(metrics.sample(named: "iperf3_received_jitter_ms") != nil)
            #expect(metrics.sample(named: "iperf3_received_lost_packets") != nil)
            #expect(metrics.sample(named: "iperf3_retransmits") == nil)
        } else {
            #expect(metrics.sample(named: "iperf3_retransmits") != nil)
            #expect(metrics.sample(named: "iperf3_received_packets") == nil)
        }
        let reference = try await Self.direct(["-c", "127.0.0.1", "-p", String(server.port), "-t", "1"] + flags)
        let directRate = try #require(reference.received.bits_per_second)
        #expect(probed > 1e6, "plausible: more than 1 Mbit/s on loopback")
        #expect(abs(probed - directRate) / directRate < 0.2, "probe \(probed) vs iperf3 -c \(directRate)")
    }

    @Test func tcpRunMatchesIPerf3Direct() async throws {
        try await compare({ $0.bitrate = 500_000_000 }, direct: ["-b", "500000000"], udp: false)
    }

    @Test func udpRunMatchesIPerf3Direct() async throws {
        try await compare({ $0.transport = .udp; $0.bitrate = 100_000_000 }, direct: ["-u", "-b", "100000000"], udp: true)
    }

    @Test func reverseRunMatchesIPerf3Direct() async throws {
        try await compare({ $0.reverse = true; $0.bitrate = 500_000_000 }, direct: ["-R", "-b", "500000000"], udp: false)
    }

    @Test func tenConcurrentProbesOfOneServerShareOneRun() async throws {
        let server = try await IPerf3TestServer()
        defer { server.stop() }
        let runner = CountingRunner()
        let queue = IPerf3Queue(runner: runner, startupStagger: .zero)
        let handler = ProbeHandler(probers: ProberRegistry(tcp: TCPProber(), http: TCPProber(), dns: TCPProber(), icmp: TCPProber(),
                                                           iperf3: IPerf3Prober(queue: queue)))
        // No `interval`: the handler's cache is not involved, the queue alone coalesces.
        let config = ExporterConfig(modules: ["iperf3": Self.module { $0.bitrate = 500_000_000 }],
                                    allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))
        let texts = await withTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    let response = await handler.handle(ProbeRequest(target: "127.0.0.1:\(server.port)", module: "iperf3"), config: config)
                    guard case let .metrics(text) = response else { return "\(response)" }
                    return text
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(runner.runs == 1, "one iperf3 run for ten probes")
        #expect(await queue.runsStarted == 1)
        #expect(texts.allSatisfy { $0.contains("\nprobe_success 1\n") && $0.contains("\niperf3_up 1\n") }, "\(texts.first ?? "")")
        let received = Set(texts.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("iperf3_received_bytes ") } })
        #expect(received.count == 1, "all ten report the same run")
    }
}

/// The iperf3 prober's failures against real processes: a busy server, no server, a run past the
/// deadline, a missing binary.
@Suite(.serialized) struct IPerf3ProberFailureTests {
    @Test func aServerBusyWithAnotherClientIsRetriedThenReported() async throws {
        let server = try await IPerf3TestServer()
        defer { server.stop() }
        // Another client holds the server for 5 s.
        let blocker = Task { try await Command.runOffPool("iperf3", ["-c", "127.0.0.1", "-p", String(server.port), "-t", "5", "-b", "100000000"]) }
        defer { blocker.cancel() }
        // Its test has started once its control and data connections are established.
        try await IPerf3TestServer.waitForClient(of: server.port)
        #expect(IPerf3TestServer.clientConnections(to: server.port) >= 2)

        let runner = CountingRunner()
        let prober = IPerf3Prober(queue: IPerf3Queue(runner: runner, startupStagger: .zero))
        let log = ProbeLog()
        let start = ContinuousClock.now
        // 1 s test + 1 s setup in a 3.5 s timeout: busy at 0 s, retried after 0.25 s and 0.5 s,
        // then no time for another whole test after the next backoff.
        let (success, metrics) = await runProbe(prober, target: IPerf3ProberTests.target(server.port), module: IPerf3ProberTests.module(timeout: PrometheusDuration(milliseconds: 3500)), log: log)
        #expect(!success)
        #expect(ContinuousClock.now - start < .seconds(4))
        #expect(runner.runs >= 2, "retried: \(log.entries)")
        #expect(log.entries.contains { $0.contains("is busy with another test: retrying in 0.250s") })
        #expect(log.failureReason?.hasPrefix("iperf3: the server is busy running a test. try again later (still busy after") == true, "\(log.failureReason ?? "")")
        #expect(metrics.sample(named: "iperf3_up") == 0)
        #expect(metrics.sample(named: "vandine_iperf3_received_bits_per_second") == nil, "a failed run is not zero-filled")
        #expect(metrics.sample(named: "iperf3_received_bytes") == nil)
        _ = try? await blocker.value
    }

    @Test func aBusyServerThatFreesUpInTimeIsRetriedUntilItAnswers() async throws {
        let server = try await IPerf3TestServer()
        defer { server.stop() }
        let blocker = Task { try await Command.runOffPool("iperf3", ["-c", "127.0.0.1", "-p", String(server.port), "-t", "1", "-b", "100000000"]) }
        try await IPerf3TestServer.waitForClient(of: server.port)
        let runner = CountingRunner()
        let prober = IPerf3Prober(queue: IPerf3Queue(runner: runner, startupStagger: .zero))
        let log = ProbeLog()
        let (success, metrics) = await runProbe(prober, target: IPerf3ProberTests.target(server.port), module: IPerf3ProberTests.module(timeout: .seconds(6)) { $0.bitrate = 500_000_000 }, log: log)
        #expect(success, "\(log.entries)")
        #expect(runner.runs >= 2)
        #expect(metrics.sample(named: "iperf3_up") == 1)
        _ = try? await blocker.value
    }

    @Test func noServerFailsQuickly() async throws {
        let closed = try ClosedTCPPort()
        let log = ProbeLog()
        let start = ContinuousClock.now
        let prober = IPerf3Prober(queue: IPerf3Queue(startupStagger: .zero))
        let (success, metrics) = await runProbe(prober, target: IPerf3ProberTests.target(closed.port), module: IPerf3ProberTests.module(), log: log)
        #expect(!success)
        #expect(ContinuousClock.now - start < .seconds(3), "long before the 5 s timeout")
        #expect(log.failureReason == "iperf3: unable to connect to server: Connection refused")
        #expect(metrics.sample(named: "iperf3_up") == 0)
        #expect(metrics.sample(named: "iperf3_sent_bytes") == nil)
        #expect(metrics.sample(named: "vandine_iperf3_sent_bits_per_second") == nil)
    }

    @Test func aRunLongerThanTheDeadlineIsKilledAndLeavesNoProcess() async throws {
        // A server that accepts and never speaks: iperf3 waits for its greeting for 2 minutes.
        let silent = try await TCPTestServer(silent: true)
        defer { Task { await silent.stop() } }
        let log = ProbeLog()
        let start = ContinuousClock.now
        let prober = IPerf3Prober(queue: IPerf3Queue(startupStagger: .zero))
        // A 1 s test in a 5 s timeout: the run starts (even when a loaded machine takes seconds to
        // get there), and is killed at the deadline.
        let (success, metrics) = await runProbe(prober, target: IPerf3ProberTests.target(silent.port), module: IPerf3ProberTests.module(timeout: .seconds(5)), log: log)
        let elapsed = ContinuousClock.now - start
        #expect(!success)
        #expect(elapsed >= .milliseconds(4900) && elapsed < .milliseconds(6500), "\(elapsed)")
        #expect(log.failureReason?.hasPrefix("iperf3 was killed at the probe's deadline after ") == true, "\(log.failureReason ?? "")")
        #expect(metrics.sample(named: "iperf3_up") == 0)
        #expect(liveIPerf3Children(port: silent.port).isEmpty, "no iperf3 outlives its probe")
    }

    @Test func aMissingBinaryIsOneClearLine() async throws {
        let log = ProbeLog()
        let prober = IPerf3Prober(queue: IPerf3Queue(startupStagger: .zero))
        let (success, _) = await runProbe(prober, target: IPerf3ProberTests.target(5201), module: IPerf3ProberTests.module { $0.binary = "/nonexistent/iperf3" }, log: log)
        #expect(!success)
        #expect(log.failureReason == "cannot run iperf3: /nonexistent/iperf3 not found (install the iperf3 package or set the module's iperf3.binary)")
        let inPath = ProbeLog()
        _ = await runProbe(prober, target: IPerf3ProberTests.target(5201), module: IPerf3ProberTests.module { $0.binary = "vandine-no-such-iperf3" }, log: inPath)
        #expect(inPath.failureReason == "cannot run iperf3: vandine-no-such-iperf3 not found in PATH (install the iperf3 package or set the module's iperf3.binary)")
    }
}
