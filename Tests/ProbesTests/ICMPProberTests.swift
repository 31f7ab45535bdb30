import Testing
import VandineCore
@testable import Probes

/// The icmp prober's logic against the in-memory engine: counting, loss, jitter, duplicates, the
/// success ratio, the deadline and the engine's errors.
@Suite struct ICMPProberTests {
    static func module(packets: Int = 5, interval: PrometheusDuration = .init(milliseconds: 20),
                       timeout: PrometheusDuration = .seconds(2), change: (inout ICMPOptions) -> Void = { _ in }) -> ModuleConfig {
        var options = ICMPOptions(ipProtocol: IPProtocolPreference(preferred: .ip4), packets: packets, interval: interval)
        change(&options)
        return ModuleConfig(name: "icmp", timeout: timeout, options: .icmp(options))
    }

    static let target = ProbeTarget(host: "127.0.0.9")
    static let destination = ICMPDestination(address: IPAddress("127.0.0.9")!)

    @Test func allRepliesGiveZeroLossAndTheRTTStatistics() async {
        // 10, 20, 30, 40, 50 ms: mean 30 ms, population standard deviation √200 ms.
        let engine = FakeEchoEngine(.init(delay: { _, sequence in .milliseconds(10 * (Int(sequence) + 1)) }))
        // A generous timeout: all replies end the probe early, and a loaded machine may be slow.
        let (success, metrics) = await runProbe(ICMPProber(engine: engine), target: Self.target, module: Self.module(timeout: .seconds(10)))
        #expect(success)
        #expect(metrics.sample(named: "probe_icmp_packets_sent") == 5)
        #expect(metrics.sample(named: "probe_icmp_packets_received") == 5)
        #expect(metrics.sample(named: "probe_icmp_packet_loss_ratio") == 0)
        #expect(abs(metrics.sample(named: "probe_icmp_rtt_avg_seconds")! - 0.030) < 1e-9)
        #expect(abs(metrics.sample(named: "probe_icmp_rtt_min_seconds")! - 0.010) < 1e-9)
        #expect(abs(metrics.sample(named: "probe_icmp_rtt_max_seconds")! - 0.050) < 1e-9)
        #expect(abs(metrics.sample(named: "probe_icmp_rtt_median_seconds")! - 0.030) < 1e-9)
        #expect(abs(metrics.sample(named: "probe_icmp_rtt_stddev_seconds")! - 0.000200.squareRoot()) < 1e-9)
        #expect(metrics.sample(named: "probe_icmp_duration_seconds", labels: ["phase": "rtt"]) == metrics.sample(named: "probe_icmp_rtt_avg_seconds"))
        #expect(metrics.sample(named: "probe_icmp_reply_hop_limit") == 64)
        #expect(metrics.sample(named: "probe_ip_protocol") == 4)
        #expect(engine.sent(to: Self.destination) == 5)
        #expect(engine.openSessions == 0, "the session is closed when the probe ends")
    }

    @Test func lossIsCountedAndTheSuccessRatioDecides() async {
        // Drops the 2nd and 4th of five: 40 % loss, 3 of 5 ≥ 0.5 succeeds.
        let twoLost = FakeEchoEngine(.init(drops: { _, index in index == 1 || index == 3 }))
        let (success, metrics) = await runProbe(ICMPProber(engine: twoLost), target: Self.target, module: Self.module(timeout: .seconds(2)))
        #expect(success)
        #expect(metrics.sample(named: "probe_icmp_packets_received") == 3)
        #expect(abs(metrics.sample(named: "probe_icmp_packet_loss_ratio")! - 0.4) < 1e-9)

        // 80 % loss must not show green.
        let fourLost = FakeEchoEngine(.init(drops: { _, index in index != 2 }))
        let log = ProbeLog()
        let (failed, lossy) = await runProbe(ICMPProber(engine: fourLost), target: Self.target, module: Self.module(timeout: .seconds(2)), log: log)
        #expect(!failed)
        #expect(abs(lossy.sample(named: "probe_icmp_packet_loss_ratio")! - 0.8) < 1e-9)
        #expect(log.failureReason == "1 of 5 echo requests answered, below min_success_ratio 0.5")

        // A stricter ratio fails the 40 % case.
        let strict = Self.module(timeout: .seconds(2)) { $0.minSuccessRatio = 1 }
        let (strictSuccess, _) = await runProbe(ICMPProber(engine: FakeEchoEngine(.init(drops: { _, index in index == 1 }))),
                                                target: Self.target, module: strict)
        #expect(!strictSuccess)
    }

    @Test func duplicatesAreCountedButNotAsReplies() async {
        let engine = FakeEchoEngine(.init(duplicates: { _, index in index == 0 || index == 4 }))
        let (success, metrics) = await runProbe(ICMPProber(engine: engine), target: Self.target, module: Self.module(timeout: .seconds(10)))
        #expect(success)
        #expect(metrics.sample(named: "probe_icmp_duplicates") == 2)
        #expect(metrics.sample(named: "probe_icmp_packets_received") == 5)
    }

    @Test func aProbeCutOffAtItsDeadlineReportsWhatItSentAndReceived() async throws {
        // 10 packets 100 ms apart in a 350 ms probe: four are sent (0, 100, 200, 300 ms) — fewer
        // when a loaded machine wakes the probe late —, and every other one is answered.
        let engine = FakeEchoEngine(.init(drops: { _, index in index % 2 == 1 }))
        let module = Self.module(packets: 10, interval: .init(milliseconds: 100), timeout: .init(milliseconds: 350))
        let config = ExporterConfig(modules: ["icmp": module], allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))
        let handler = ProbeHandler(probers: registry(ICMPProber(engine: engine)))
        let start = ContinuousClock.now
        let response = await handler.handle(ProbeRequest(target: "127.0.0.9", module: "icmp"), config: config)
        let elapsed = ContinuousClock.now - start
        guard case let .metrics(text) = response else { Issue.record("\(response)"); return }
        var metrics = MetricSet()
        for family in try ExpositionParser.parse(text) { metrics.add(family) }
        let sent = metrics.sample(named: "probe_icmp_packets_sent") ?? 0
        let received = metrics.sample(named: "probe_icmp_packets_received") ?? -1
        #expect((1...4).contains(sent), "\(sent)")
        #expect(received == (sent / 2).rounded(.up), "requests 1 and 3 are answered, 2 and 4 lost")
        #expect(metrics.sample(named: "probe_icmp_packet_loss_ratio") == 1 - received / sent)
        // The sent count above proves the cut; the upper bound only catches a probe that ignores
        // its deadline altogether, with room for a machine loaded by the parallel suites (1.67 s seen).
        #expect(elapsed >= .milliseconds(340) && elapsed < .milliseconds(3000), "\(elapsed)")
    }

    @Test func nobodyAnsweringFailsAtTheDeadlineWithLossOne() async {
        let engine = FakeEchoEngine(.init(drops: { _, _ in true }))
        let log = ProbeLog()
        let start = ContinuousClock.now
        let (success, metrics) = await runProbe(ICMPProber(engine: engine), target: Self.target,
                                                module: Self.module(packets: 3, timeout: .seconds(1)), log: log)
        let elapsed = ContinuousClock.now - start
        #expect(!success)
        #expect(metrics.sample(named: "probe_icmp_packet_loss_ratio") == 1)
        #expect((1...3).contains(metrics.sample(named: "probe_icmp_packets_sent") ?? 0))
        #expect(metrics.sample(named: "probe_icmp_rtt_avg_seconds") == nil, "no RTT is invented")
        #expect(log.failureReason == "no echo reply from 127.0.0.9 before the deadline")
        #expect(elapsed >= .milliseconds(990) && elapsed < .milliseconds(2500), "\(elapsed)")
    }

    @Test func anEngineThatMayNotOpenASocketGivesItsOneLine() async {
        let message = "IPv4 ICMP is not permitted: add group 0 to net.ipv4.ping_group_range (now \"1 0\"), …"
        let engine = FakeEchoEngine(.init(openError: .notPermitted(message)))
        let log = ProbeLog()
        let (success, _) = await runProbe(ICMPProber(engine: engine), target: Self.target, module: Self.module(), log: log)
        #expect(!success)
        #expect(log.failureReason == message)
        #expect(log.entries.filter { $0.contains("not permitted") }.count == 1, "one line, not a stack")
    }

    @Test func aSourceAddressOfTheOtherFamilyIsRefused() async {
        let log = ProbeLog()
        let module = Self.module { $0.sourceIPAddress = "::1" }
        let (success, _) = await runProbe(ICMPProber(engine: FakeEchoEngine()), target: Self.target, module: module, log: log)
        #expect(!success)
        #expect(log.failureReason == "source_ip_address ::1 is IPv6 but 127.0.0.9 resolved to 127.0.0.9")
    }

    @Test func rttStatisticsOfAnEvenCountUseTheMiddlePair() {
        let statistics = RTTStatistics([0.004, 0.001, 0.003, 0.002])!
        #expect(statistics.median == 0.0025)
        #expect(statistics.minimum == 0.001 && statistics.maximum == 0.004)
        #expect(RTTStatistics([]) == nil)
    }
}

/// The echo packet codec against RFC 1071's worked example and hand-built replies.
@Suite struct ICMPEchoPacketTests {
    @Test func checksumMatchesRFC1071() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        #expect(ICMPEchoPacket.checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == ~UInt16(0xDDF2))
        let request = ICMPEchoPacket.request(family: .v4, identifier: 0x1234, sequence: 7, payloadSize: 28)
        #expect(request.count == 36 && request[0] == 8 && request[4] == 0x12 && request[5] == 0x34 && request[7] == 7)
        #expect(ICMPEchoPacket.checksum(request) == 0, "a packet with its checksum sums to zero")
    }

    @Test func repliesAreParsedAndEverythingElseIgnored() {
        var ipv4 = [UInt8](repeating: 0, count: 20 + 8)
        ipv4[0] = 0x45
        ipv4[8] = 61
        ipv4[12...15] = [127, 0, 0, 5]
        ipv4[20] = 0
        ipv4[24...27] = [0xAB, 0xCD, 0x00, 0x02]
        let reply = ipv4.withUnsafeBytes { ICMPEchoPacket.parseReply($0, family: .v4, withIPHeader: true) }
        #expect(reply == .init(identifier: 0xABCD, sequence: 2, ttl: 61, source: IPAddress("127.0.0.5")))
        ipv4[20] = 8  // our own echo request, seen on loopback
        #expect(ipv4.withUnsafeBytes { ICMPEchoPacket.parseReply($0, family: .v4, withIPHeader: true) } == nil)
        let truncated: [UInt8] = [129, 0, 0, 0, 1]
        #expect(truncated.withUnsafeBytes { ICMPEchoPacket.parseReply($0, family: .v6, withIPHeader: false) } == nil)
        let v6: [UInt8] = [129, 0, 0, 0, 0x00, 0x01, 0xFF, 0xFF]
        #expect(v6.withUnsafeBytes { ICMPEchoPacket.parseReply($0, family: .v6, withIPHeader: false) }
            == .init(identifier: 1, sequence: 0xFFFF, ttl: nil, source: nil))
    }
}

/// The engine's timer heap: earliest first, insertion order among equals, removal anywhere.
@Suite struct TimerHeapTests {
    @Test func popsInDueOrderAndRemovesByID() {
        let base = ContinuousClock.now
        let fired = Fired()
        var heap = TimerHeap()
        var ids: [Int: UInt64] = [:]
        for (label, offset) in [(5, 50), (1, 10), (3, 30), (2, 20), (4, 30), (6, 60), (7, 70)] {
            ids[label] = heap.insert(at: base + .milliseconds(offset)) { fired.append(label) }
        }
        heap.remove(ids[2]!)   // a middle one
        heap.remove(ids[1]!)   // the root
        heap.remove(ids[7]!)   // the last one
        heap.remove(ids[7]!)   // twice: no effect
        #expect(heap.count == 4)
        for action in heap.popDue(now: base + .milliseconds(30)) { action() }
        #expect(fired.values == [3, 4], "due ones only, and 3 before 4: same instant, inserted first")
        #expect(heap.earliest == base + .milliseconds(50))
        for action in heap.popDue(now: base + .seconds(1)) { action() }
        #expect(fired.values == [3, 4, 5, 6])
        #expect(heap.isEmpty)
    }

    @Test func manyRandomInsertionsAndRemovalsKeepTheOrder() {
        let base = ContinuousClock.now
        var heap = TimerHeap()
        var expected: [(Int, UInt64)] = []
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let offset = Int.random(in: 0..<500, using: &generator)
            expected.append((offset, heap.insert(at: base + .milliseconds(offset)) {}))
        }
        for (_, id) in expected.indices.filter({ $0 % 3 == 0 }).map({ expected[$0] }) { heap.remove(id) }
        let kept = expected.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
        #expect(heap.count == kept.count)
        var previous = base
        var popped = 0
        while let earliest = heap.earliest {
            #expect(earliest >= previous)
            previous = earliest
            popped += heap.popDue(now: earliest).count
        }
        #expect(popped == kept.count)
    }
}

/// Labels appended by actions, in order.
private final class Fired: @unchecked Sendable {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
