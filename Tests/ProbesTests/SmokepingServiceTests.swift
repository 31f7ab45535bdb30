import Synchronization
import Testing
import VandineCore
@testable import Probes

/// Continuous mode against the fake engine: scripted delays, loss, duplicates and send errors,
/// reloads and address changes. Every wait is on a condition, never a fixed sleep.
@Suite struct SmokepingServiceTests {
    typealias T = SmokepingTesting

    static func service(_ box: T.ConfigBox, engine: any ICMPEchoing, resolver: any HostResolving = T.ScriptedResolver([:], validFor: .seconds(60)),
                        limit: Int? = nil) -> SmokepingService {
        SmokepingService(config: box.reloadable, engine: engine, resolver: resolver, logger: T.quietLogger,
                         requestLimit: limit, resolveRetry: .milliseconds(50))
    }

    static func counters(_ service: SmokepingService, _ host: String) -> SmokepingSeries.Counters? {
        service.series(host: host)?.snapshot
    }

    @Test func afterNIntervalsEachTargetHasNRequestsSpreadOverTheInterval() async throws {
        let targets = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
        let box = try T.ConfigBox(T.config(targets: targets, interval: 100))
        let engine = T.RecordingEngine(FakeEchoEngine())
        let service = Self.service(box, engine: engine, limit: 5)
        try await T.running(service) {
            let done = await T.waitUntil {
                targets.allSatisfy { Self.counters(service, $0).map { $0.requests == 5 && $0.histogram.count == 5 } ?? false }
            }
            #expect(done, "every target should reach 5 requests and 5 replies")
        }
        // The schedule: host i's k-th request is due at t0 + i/4 × 100 ms + k × 100 ms, where t0
        // is host 0's first request (sent in the wake that built the schedule). A loaded machine
        // can make a request late, never early: a request before its turn would be a burst (all
        // hosts at once) or a catch-up after a stall.
        let t0 = engine.instants(targets[0])[0]
        for (i, target) in targets.enumerated() {
            #expect(Self.counters(service, target)?.requests == 5)
            let sends = engine.instants(target)
            #expect(sends.count == 5, "\(target)")
            for (k, sent) in sends.enumerated() {
                let due = t0 + .milliseconds(25 * i + 100 * k)
                #expect(sent >= due - .milliseconds(1), "request \(k) to \(target) went \(due - sent) before its turn")
                #expect(sent <= due + .seconds(2), "request \(k) to \(target) went \(sent - due) late")
            }
        }
    }

    @Test func lossDerivedFromTheCountersMatchesTheScriptedShare() async throws {
        // 127.0.0.1 loses every 4th request, 127.0.0.2 none.
        let fake = FakeEchoEngine(.init(drops: { destination, index in destination.address == IPAddress("127.0.0.1")! && index % 4 == 0 }))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1", "127.0.0.2"]))
        let service = Self.service(box, engine: fake, limit: 20)
        try await T.running(service) {
            let done = await T.waitUntil {
                Self.counters(service, "127.0.0.1").map { $0.requests == 20 && $0.histogram.count == 15 } ?? false
                    && Self.counters(service, "127.0.0.2").map { $0.requests == 20 && $0.histogram.count == 20 } ?? false
            }
            #expect(done)
        }
        let set = MetricSet(service.families())
        for (host, expected) in [("127.0.0.1", 0.25), ("127.0.0.2", 0.0)] {
            let labels = ["host": host, "ip": host, "source": ""]
            let requests = try #require(set.sample(named: "smokeping_requests_total", labels: labels))
            let answered = try #require(set.sample(named: "smokeping_response_duration_seconds_count", labels: labels))
            #expect((requests - answered) / requests == expected)
        }
    }

    @Test func repliesLandInTheRightBuckets() async throws {
        // 0.3 ms falls in le=0.0004; 3 ms in le=0.0032 (default buckets).
        let fake = FakeEchoEngine(.init(delay: { destination, _ in
            destination.address == IPAddress("127.0.0.1")! ? .microseconds(300) : .milliseconds(3)
        }, hopLimit: 61))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1", "127.0.0.2"]))
        let service = Self.service(box, engine: fake, limit: 4)
        try await T.running(service) {
            #expect(await T.waitUntil { ["127.0.0.1", "127.0.0.2"].allSatisfy { Self.counters(service, $0)?.histogram.count == 4 } })
        }
        let set = MetricSet(service.families())
        func bucket(_ host: String, _ le: String) -> Double? {
            set.sample(named: "smokeping_response_duration_seconds_bucket", labels: ["host": host, "ip": host, "source": "", "le": le])
        }
        #expect(bucket("127.0.0.1", "0.0002") == 0)
        #expect(bucket("127.0.0.1", "0.0004") == 4)
        #expect(bucket("127.0.0.1", "+Inf") == 4)
        #expect(bucket("127.0.0.2", "0.0016") == 0)
        #expect(bucket("127.0.0.2", "0.0032") == 4)
        #expect(bucket("127.0.0.2", "26.2144") == 4)
        let sum = try #require(set.sample(named: "smokeping_response_duration_seconds_sum", labels: ["host": "127.0.0.2", "ip": "127.0.0.2", "source": ""]))
        #expect(abs(sum - 0.012) < 1e-9)
        #expect(set.sample(named: "smokeping_response_ttl", labels: ["host": "127.0.0.1", "ip": "127.0.0.1", "source": ""]) == 61)
    }

    @Test func customBucketsAreUsed() async throws {
        let fake = FakeEchoEngine(.init(delay: { _, _ in .milliseconds(2) }))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1"], buckets: [0.001, 0.005]))
        let service = Self.service(box, engine: fake, limit: 3)
        try await T.running(service) {
            #expect(await T.waitUntil { Self.counters(service, "127.0.0.1")?.histogram.count == 3 })
        }
        let buckets = service.families().first { $0.name == "smokeping_response_duration_seconds" }!.samples
            .filter { $0.name.hasSuffix("_bucket") }.map { "\($0.labels["le"]!)=\(Int($0.value))" }
        #expect(buckets == ["0.001=0", "0.005=3", "+Inf=3"])
    }

    @Test func duplicatesAreCountedApartFromReplies() async throws {
        let fake = FakeEchoEngine(.init(duplicates: { _, index in index % 2 == 0 }))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1"]))
        let service = Self.service(box, engine: fake, limit: 6)
        try await T.running(service) {
            #expect(await T.waitUntil { Self.counters(service, "127.0.0.1").map { $0.histogram.count == 6 && $0.duplicates == 3 } ?? false })
        }
        let counters = try #require(Self.counters(service, "127.0.0.1"))
        #expect(counters.requests == 6 && counters.histogram.count == 6 && counters.duplicates == 3)
    }

    @Test func refusedRequestsAreRequestsAndSendErrors() async throws {
        let fake = FakeEchoEngine(.init(sendError: .sendFailed("sendto 127.0.0.1: Network is unreachable")))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1"]))
        let service = Self.service(box, engine: fake, limit: 3)
        try await T.running(service) {
            #expect(await T.waitUntil { Self.counters(service, "127.0.0.1")?.sendErrors == 3 })
        }
        let counters = try #require(Self.counters(service, "127.0.0.1"))
        #expect(counters.requests == 3 && counters.histogram.count == 0)
    }

    @Test func anEngineWithoutSocketsCountsSendErrors() async throws {
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1"]))
        let service = Self.service(box, engine: UnavailableEchoEngine(), limit: 2)
        try await T.running(service) {
            #expect(await T.waitUntil { Self.counters(service, "127.0.0.1")?.sendErrors == 2 })
        }
        #expect(Self.counters(service, "127.0.0.1")?.requests == 2)
    }

    @Test func reloadAddsAndRemovesHosts() async throws {
        let fake = FakeEchoEngine()
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1", "127.0.0.2"]))
        let service = Self.service(box, engine: fake, limit: 4)
        try await T.running(service) {
            #expect(await T.waitUntil { ["127.0.0.1", "127.0.0.2"].allSatisfy { Self.counters(service, $0)?.histogram.count == 4 } })
            #expect(fake.openSessions == 2)
            box.reload(T.config(targets: ["127.0.0.2", "127.0.0.3"]))
            // The new host starts from 0 and reaches the limit on its own; the kept one is neither
            // reset nor sent to again (it is at the limit); the removed one is gone.
            #expect(await T.waitUntil { Self.counters(service, "127.0.0.3")?.histogram.count == 4 })
            #expect(service.series(host: "127.0.0.1") == nil)
            #expect(Self.counters(service, "127.0.0.2")?.requests == 4)
            #expect(Self.counters(service, "127.0.0.3")?.requests == 4)
            #expect(fake.openSessions == 2, "the removed host's session is closed")
            #expect(fake.sent(to: ICMPDestination(address: IPAddress("127.0.0.1")!)) == 4)
            let hosts = Set(service.families().flatMap { $0.samples.compactMap { $0.labels["host"] } })
            #expect(hosts == ["127.0.0.2", "127.0.0.3"])
            box.reload(ExporterConfig())
            #expect(await T.waitUntil { fake.openSessions == 0 })
            #expect(service.families().isEmpty)
        }
    }

    @Test func newBucketsOnReloadRestartEverySeriesAtTheSameAddress() async throws {
        let resolver = T.ScriptedResolver(["nas.test": IPAddress("127.0.0.5")!], validFor: .seconds(60))
        let fake = FakeEchoEngine(.init(delay: { _, _ in .milliseconds(2) }))
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1", "nas.test"]))
        let service = Self.service(box, engine: fake, resolver: resolver, limit: 3)
        try await T.running(service) {
            #expect(await T.waitUntil { ["127.0.0.1", "nas.test"].allSatisfy { Self.counters(service, $0)?.histogram.count == 3 } })
            let before = try #require(service.series(host: "nas.test"))
            box.reload(T.config(targets: ["127.0.0.1", "nas.test"], buckets: [0.001, 0.005]))
            // Fresh series from 0 with the new buckets, the name keeping its address meanwhile.
            #expect(await T.waitUntil { ["127.0.0.1", "nas.test"].allSatisfy {
                service.series(host: $0).map { $0 !== before && $0.snapshot.histogram.bounds == [0.001, 0.005] && $0.snapshot.histogram.count == 3 } ?? false
            } })
            #expect(service.series(host: "nas.test")?.ip == IPAddress("127.0.0.5"))
            #expect(Self.counters(service, "127.0.0.1")?.requests == 3)
            #expect(fake.openSessions == 2)
        }
    }

    @Test func aNewAddressMovesTheSeriesToTheNewIPLabel() async throws {
        let resolver = T.ScriptedResolver(["nas.test": IPAddress("127.0.0.5")!], validFor: .milliseconds(100))
        let fake = FakeEchoEngine()
        let box = try T.ConfigBox(T.config(targets: ["nas.test"]))
        let service = Self.service(box, engine: fake, resolver: resolver)
        try await T.running(service) {
            #expect(await T.waitUntil { (Self.counters(service, "nas.test")?.histogram.count ?? 0) >= 3 })
            #expect(service.series(host: "nas.test")?.ip == IPAddress("127.0.0.5"))
            resolver.table.withLock { $0["nas.test"] = IPAddress("127.0.0.6")! }
            #expect(await T.waitUntil { service.series(host: "nas.test")?.ip == IPAddress("127.0.0.6") })
            let requests = try #require(Self.counters(service, "nas.test")).requests
            #expect(requests <= 2, "the new series starts from 0, got \(requests)")
            #expect(await T.waitUntil { (Self.counters(service, "nas.test")?.histogram.count ?? 0) >= 2 })
            let ips = Set(service.families().flatMap { $0.samples.compactMap { $0.labels["ip"] } })
            #expect(ips == ["127.0.0.6"])
            #expect(fake.openSessions == 1)
        }
        #expect(resolver.calls.withLock { $0 } >= 2)
    }

    @Test func anUnresolvableNameHasNoSeriesUntilItResolves() async throws {
        let resolver = T.ScriptedResolver([:], validFor: .seconds(60))
        let box = try T.ConfigBox(T.config(targets: ["later.test", "127.0.0.1"]))
        let service = Self.service(box, engine: FakeEchoEngine(), resolver: resolver)
        try await T.running(service) {
            #expect(await T.waitUntil { resolver.calls.withLock { $0 } >= 2 }, "retried after the failure")
            #expect(service.series(host: "later.test") == nil)
            #expect(service.series(host: "127.0.0.1") != nil)
            resolver.table.withLock { $0["later.test"] = IPAddress("127.0.0.9")! }
            #expect(await T.waitUntil { (Self.counters(service, "later.test")?.histogram.count ?? 0) >= 1 })
        }
    }

    @Test func noSectionNoFamilies() async throws {
        let box = try T.ConfigBox(ExporterConfig())
        let service = Self.service(box, engine: FakeEchoEngine())
        #expect(service.families().isEmpty)
        #expect(service.metricsPath == nil)
    }

    @Test func histogramObservesWithInclusiveUpperBounds() {
        var histogram = LatencyHistogram(bounds: [0.001, 0.002])
        for value in [0.0005, 0.001, 0.0015, 0.002, 0.5] { histogram.observe(value) }
        #expect(histogram.cumulativeBuckets.map(\.count) == [2, 4, 5])
        #expect(histogram.count == 5)
    }
}
