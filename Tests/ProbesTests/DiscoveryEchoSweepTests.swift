import Testing
@testable import Probes
import VandineCore

/// The paced sweep against the fake engine: who answers is scripted, the rate is measured.
@Suite struct DiscoveryEchoSweepTests {
    static func addresses(_ count: Int, base: String = "10.9.0.0/24") -> [IPAddress] {
        Array(IPNetwork(base)!.hostAddresses(limit: 65_536)!.prefix(count))
    }

    @Test func onlyScriptedHostsAnswerAndEveryAddressGetsOneRequest() async {
        let addresses = Self.addresses(20)
        let up: Set = [addresses[2], addresses[7], addresses[19]]
        let fake = scriptedEngine(up: up)
        let result = await EchoSweep(engine: fake, packetsPerSecond: 1000, timeout: .seconds(2)).run(addresses)
        #expect(Set(result.answered.keys) == up)
        #expect(result.sent == 20)
        #expect(result.isComplete)
        for address in addresses { #expect(fake.sent(to: ICMPDestination(address: address)) == 1) }
        #expect(fake.openSessions == 0, "every session is closed when the sweep ends")
    }

    @Test func theRateBoundHoldsInEveryWindow() async throws {
        let rate = 100
        let addresses = Self.addresses(60)
        let engine = RecordingEchoEngine(scriptedEngine(up: []))
        let started = ContinuousClock.now
        _ = await EchoSweep(engine: engine, packetsPerSecond: rate, timeout: .milliseconds(50)).run(addresses)
        let sends = engine.sent.map(\.at)
        try #require(sends.count == 60)
        let spacing = Duration.milliseconds(10), burst = PacketPacer(packetsPerSecond: rate).burst
        #expect(burst == 5)
        // Any window holds at most rate × w + burst: requests i and j are at least (j - i - burst + 1)
        // spacings apart (times recorded just after each left: 1 ms allowed for that jitter).
        var worst = Duration.seconds(1000)
        for i in sends.indices {
            for j in sends.indices where j - i >= burst {
                worst = min(worst, (sends[j] - sends[i]) - spacing * (j - i - burst + 1))
            }
        }
        #expect(worst >= .milliseconds(-1), "a window held more than rate × w + burst requests (by \(worst))")
        // And it is a bound, not a crawl: 60 requests at 100/s take well under 5 s even on a busy machine.
        #expect(ContinuousClock.now - started < .seconds(5), "sweep took \(ContinuousClock.now - started)")
    }

    @Test func thePacerSendsABurstThenAtTheRateAndCatchesUpAfterALateWakeUp() {
        var pacer = PacketPacer(packetsPerSecond: 100, burst: 3)
        let zero = ContinuousClock.now
        func ms(_ value: Int) -> ContinuousClock.Instant { zero + .milliseconds(value) }
        #expect(pacer.earliest == nil)
        pacer.sent(at: ms(0))
        #expect(pacer.earliest! <= ms(0))
        pacer.sent(at: ms(0))
        #expect(pacer.earliest! <= ms(0))
        pacer.sent(at: ms(0))  // the burst of three is spent
        #expect(pacer.earliest == ms(10))
        pacer.sent(at: ms(10))
        #expect(pacer.earliest == ms(20))
        // Woken 25 ms late: three may leave at once (catching up, within the burst), then the rate.
        pacer.sent(at: ms(45))
        #expect(pacer.earliest == ms(35))
        pacer.sent(at: ms(45))
        #expect(pacer.earliest == ms(45))
        pacer.sent(at: ms(45))
        #expect(pacer.earliest == ms(55))
        // Idle for a long time: no credit beyond the burst accumulates.
        pacer.sent(at: ms(1000))
        pacer.sent(at: ms(1000))
        pacer.sent(at: ms(1000))
        #expect(pacer.earliest == ms(1010))
    }

    @Test func aReplyAfterTheTimeoutDoesNotCount() async throws {
        // Far apart (5 ms against 4 s, timeout 1.5 s) so a loaded machine cannot blur them.
        let fast = ip("10.9.0.1"), slow = ip("10.9.0.2")
        var script = FakeEchoEngine.Script()
        script.delay = { destination, _ in destination.address == slow ? .seconds(4) : .milliseconds(5) }
        let fake = FakeEchoEngine(script)
        let started = ContinuousClock.now
        let result = await EchoSweep(engine: fake, packetsPerSecond: 1000, timeout: .milliseconds(1500)).run([fast, slow])
        #expect(Array(result.answered.keys) == [fast])
        #expect(try #require(result.answered[fast]) < .milliseconds(1500))
        #expect(ContinuousClock.now - started < .seconds(4), "the sweep did not wait for the slow reply")
    }

    @Test func theSweepEndsAsSoonAsEveryAddressAnswered() async {
        let addresses = Self.addresses(5)
        let started = ContinuousClock.now
        let result = await EchoSweep(engine: scriptedEngine(up: Set(addresses)), packetsPerSecond: 1000, timeout: .seconds(30))
            .run(addresses)
        #expect(result.answered.count == 5)
        #expect(ContinuousClock.now - started < .seconds(10), "it did not wait out the 30 s timeout")
    }

    @Test func sweepsDoNotHoldCooperativeThreads() async {
        // Sixteen sweeps of about 2 s each (21 requests at 10/s, the first two at once) at once, far
        // more than the machine's cooperative threads: if waiting blocked a thread they would run
        // in turns and take 15 s or more; concurrently they take about 2 s (a loaded CI run once
        // needed 5.2 s for eight, hence the wide bound).
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let addresses = Self.addresses(21, base: "10.9.\(index).0/24")
                    _ = await EchoSweep(engine: scriptedEngine(up: []), packetsPerSecond: 10, timeout: .milliseconds(20)).run(addresses)
                }
            }
        }
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(1900))
        #expect(took < .seconds(8), "16 concurrent 1.9 s sweeps took \(took)")
    }

    @Test func noSocketMeansNoResult() async {
        var script = FakeEchoEngine.Script()
        script.openError = .notPermitted("no ICMP socket: set net.ipv4.ping_group_range or grant CAP_NET_RAW")
        let result = await EchoSweep(engine: FakeEchoEngine(script), packetsPerSecond: 1000, timeout: .seconds(1))
            .run(Self.addresses(3))
        #expect(result.fatalError == .notPermitted("no ICMP socket: set net.ipv4.ping_group_range or grant CAP_NET_RAW"))
        #expect(!result.isComplete)
        #expect(result.sent == 0)
    }

    @Test func aSweepWhoseEveryRequestIsRefusedIsNotComplete() async {
        var script = FakeEchoEngine.Script()
        script.sendError = .sendFailed("network is unreachable")
        let fake = FakeEchoEngine(script)
        let result = await EchoSweep(engine: fake, packetsPerSecond: 1000, timeout: .seconds(1)).run(Self.addresses(4))
        #expect(result.sendFailures == 4)
        #expect(result.firstSendError == .sendFailed("network is unreachable"))
        #expect(!result.isComplete, "a down interface must not make every host vanish")
        #expect(fake.openSessions == 0)
    }

    @Test func cancellingStopsTheSweepAndClosesItsSessions() async {
        let fake = scriptedEngine(up: [])
        let addresses = Self.addresses(200)
        let task = Task { await EchoSweep(engine: fake, packetsPerSecond: 20, timeout: .seconds(5)).run(addresses) }
        // Wait until it is under way (a few requests sent), then cancel.
        while addresses.prefix(3).contains(where: { fake.sent(to: ICMPDestination(address: $0)) == 0 }) { await Task.yield() }
        task.cancel()
        let result = await task.value
        #expect(result.cancelled)
        #expect(result.sent < 200)
        #expect(fake.openSessions == 0)
    }
}
