import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The per-server queue with scripted runs: serialization, busy retries, the start-up stagger and
/// the cached result's age.
@Suite struct IPerf3QueueTests {
    static let report = """
    {"start": {"test_start": {"protocol": "TCP"}}, "intervals": [],
     "end": {"sum_sent": {"seconds": 1.0, "bytes": 125000000, "bits_per_second": 1000000000, "retransmits": 3},
             "sum_received": {"seconds": 1.0, "bytes": 125000000, "bits_per_second": 1000000000}}}
    """
    static let busy = #"{"start": {}, "intervals": [], "end": {}, "error": "the server is busy running a test. try again later"}"#
    static let success = CommandOutcome(termination: .exited(0), stdout: Array(report.utf8))
    static let busyOutcome = CommandOutcome(termination: .exited(0), stdout: Array(busy.utf8))

    static func command(port: Int = 5201, reverse: Bool = false) -> IPerf3Command {
        IPerf3Command(binary: "iperf3", host: "127.0.0.1", port: port, options: IPerf3Options(reverse: reverse, duration: .seconds(1)))
    }

    @Test func aReportBecomesTheSeriesOfIPerf3Exporter() async throws {
        let queue = IPerf3Queue(runner: ScriptedRunner([Self.success]), startupStagger: .zero)
        let (run, joined) = await queue.run(Self.command(), deadline: .now + .seconds(5))
        #expect(!joined)
        let report = try run.result.get()
        let sink = MetricsSink()
        report.record(into: sink)
        let metrics = sink.snapshot
        #expect(metrics.sample(named: "iperf3_sent_bytes") == 125_000_000)
        #expect(metrics.sample(named: "iperf3_retransmits") == 3)
        #expect(metrics.sample(named: "vandine_iperf3_received_bits_per_second") == 1e9)
        #expect(metrics.sample(named: "iperf3_received_jitter_ms") == nil, "UDP series only for UDP tests")
    }

    @Test func promtoolAcceptsTheSeriesApartFromIPerf3ExportersJitterNames() async throws {
        let udp = """
        {"start": {"test_start": {"protocol": "UDP"}}, "intervals": [],
         "end": {"sum_sent": {"seconds": 1.0, "bytes": 12517376, "bits_per_second": 100129896, "jitter_ms": 0, "lost_packets": 0, "packets": 382, "lost_percent": 0},
                 "sum_received": {"seconds": 1.0, "bytes": 12517376, "bits_per_second": 100123188, "jitter_ms": 0.0025, "lost_packets": 1, "packets": 381, "lost_percent": 0.26}}}
        """
        for json in [Self.report, udp] {
            let report = try IPerf3Report.parse(Array(json.utf8)).get()
            let sink = MetricsSink()
            sink.gauge("iperf3_up", 1, help: "Was the last iperf3 probe successful (1 for success, 0 for failure).")
            report.record(into: sink)
            let text = ExpositionEncoder.encode(sink.snapshot.families)
            let result = try await Command.runOffPool("promtool", ["check", "metrics"], input: text)
            // The documented exception: iperf3_exporter's names, kept for its dashboards.
            let problems = result.stdout.split(separator: "\n").filter {
                $0 != "iperf3_sent_jitter_ms metric names should not contain abbreviated units"
                    && $0 != "iperf3_received_jitter_ms metric names should not contain abbreviated units"
            }
            #expect(problems.isEmpty, "\(result.stdout)\(result.stderr)")
            #expect(result.status == 0 || result.status == 3)
            #expect(text.contains("iperf3_received_jitter_ms") == (json == udp))
        }
    }

    @Test func exitZeroWithAnErrorIsAFailure() {
        let refused = CommandOutcome(termination: .exited(0), stdout: Array(#"{"start": {}, "end": {}, "error": "unable to connect to server: Connection refused"}"#.utf8))
        #expect(IPerf3Queue.interpret(refused, binary: "iperf3") == .failure(.other("iperf3: unable to connect to server: Connection refused")))
        let garbage = CommandOutcome(termination: .exited(1), stdout: Array("iperf3: parameter error\n".utf8), stderr: Array("usage: iperf3\n".utf8))
        #expect(IPerf3Queue.interpret(garbage, binary: "iperf3") == .failure(.other("iperf3 exited with status 1: usage: iperf3")))
    }

    @Test func differentRunsToOneServerNeverOverlap() async {
        let runner = ScriptedRunner([Self.success], delay: .milliseconds(100))
        let queue = IPerf3Queue(runner: runner, startupStagger: .zero)
        async let first = queue.run(Self.command(), deadline: .now + .seconds(5))
        async let second = queue.run(Self.command(reverse: true), deadline: .now + .seconds(5))
        _ = await (first, second)
        let starts = runner.startTimes
        #expect(starts.count == 2, "a forward and a reverse run are two runs")
        if starts.count == 2 { #expect(abs((starts[1] - starts[0]).inSeconds) >= 0.1, "the second starts after the first ended") }
        #expect(await queue.runsStarted == 2)
    }

    @Test func busyIsRetriedWithBackoffUntilTheServerAnswers() async throws {
        let runner = ScriptedRunner([Self.busyOutcome, Self.busyOutcome, Self.success])
        let queue = IPerf3Queue(runner: runner, startupStagger: .zero)
        let start = ContinuousClock.now
        // 10 s: a retry needs a whole test's time left, and a loaded full run once stretched the
        // backoff sleeps until 5 s no longer held one.
        let (run, _) = await queue.run(Self.command(), deadline: .now + .seconds(10))
        #expect(try run.result.get().sent.bytes == 125_000_000)
        #expect(run.attempts == 3)
        #expect(ContinuousClock.now - start >= .milliseconds(750), "250 ms, then 500 ms")
        #expect(run.notes.filter { $0.contains("is busy with another test") }.count == 2)
    }

    @Test func theFirstRunToEachServerIsStaggeredAfterStartUp() async throws {
        let window = Duration.seconds(3)
        let runner = ScriptedRunner([Self.success])
        let created = ContinuousClock.now
        let queue = IPerf3Queue(runner: runner, startupStagger: window)
        let a = Self.command(port: 5206), b = Self.command(port: 5208)
        let offsetA = IPerf3Queue.staggerOffset(server: a.server, window: window)
        let offsetB = IPerf3Queue.staggerOffset(server: b.server, window: window)
        #expect(offsetA == .milliseconds(2157) && offsetB == .milliseconds(2579), "FNV-1a of the server, mod the window")
        let requested = ContinuousClock.now
        async let runA = queue.run(a, deadline: .now + .seconds(10))
        async let runB = queue.run(b, deadline: .now + .seconds(10))
        let (resultA, resultB) = await (runA, runB)
        let starts = runner.startTimes.sorted()
        #expect(starts.count == 2)
        if starts.count == 2 {
            #expect(starts[0] - created >= offsetA, "neither started before its offset")
            #expect(starts[1] - created >= offsetB)
        }
        // Requested well before their offsets (unless the machine stalled for 2 s), both waited.
        if requested - created < .seconds(2) {
            #expect(resultA.run.notes.first?.hasPrefix("first run to 127.0.0.1:5206 since start-up: staggered by ") == true, "\(resultA.run.notes)")
            #expect(resultB.run.notes.first?.hasPrefix("first run to 127.0.0.1:5208 since start-up: staggered by ") == true, "\(resultB.run.notes)")
        }
        // Later runs are not staggered.
        let (again, _) = await queue.run(a, deadline: .now + .seconds(5))
        #expect(again.notes.allSatisfy { !$0.contains("staggered") }, "\(again.notes)")
    }

    @Test func theStaggerNeverCostsTheTestItsDeadline() async {
        let queue = IPerf3Queue(runner: ScriptedRunner([Self.success]), startupStagger: .seconds(3600))
        let start = ContinuousClock.now
        // 1 s test + 1 s setup in 6 s: at most half of the 4 s left, not the hour's offset.
        let (run, _) = await queue.run(Self.command(), deadline: .now + .seconds(6))
        if case let .failure(failure) = run.result { Issue.record("\(failure.reason); \(run.notes)") }
        #expect(run.notes.first?.hasPrefix("first run to 127.0.0.1:5201 since start-up: staggered by ") == true, "\(run.notes)")
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test func aCachedResultReportsItsAge() async throws {
        let runner = ScriptedRunner([Self.success])
        let queue = IPerf3Queue(runner: runner, startupStagger: .zero)
        let handler = ProbeHandler(probers: ProberRegistry(tcp: TCPProber(), http: TCPProber(), dns: TCPProber(), icmp: TCPProber(),
                                                           iperf3: IPerf3Prober(queue: queue)))
        var options = IPerf3Options(duration: .seconds(1))
        options.ipProtocol = IPProtocolPreference(preferred: .ip4)
        let config = ExporterConfig(modules: ["iperf3": ModuleConfig(name: "iperf3", timeout: .seconds(5), interval: .seconds(1800), options: .iperf3(options))],
                                    allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))
        func age(_ response: ProbeResponse) throws -> Double {
            guard case let .metrics(text) = response else { throw IPerf3TestError("\(response)") }
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("vandine_probe_age_seconds ") })
            return try #require(Double(line.split(separator: " ")[1]))
        }
        let first = try age(await handler.handle(ProbeRequest(target: "127.0.0.1", module: "iperf3"), config: config))
        #expect(first >= 0 && first < 2, "a fresh result")
        try await Task.sleep(for: .milliseconds(300))
        let second = try age(await handler.handle(ProbeRequest(target: "127.0.0.1", module: "iperf3"), config: config))
        #expect(second >= 0.3 && second > first, "the same result, older")
        #expect(runner.startTimes.count == 1, "the second scrape got the cached result, no new run")
    }
}
