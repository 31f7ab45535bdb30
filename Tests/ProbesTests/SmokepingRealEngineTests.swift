import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Continuous mode on the real ICMP engine: echoes through the kernel to loopback (raw sockets,
/// so root), every request answered, the kernel's TTL reported.
@Suite(.enabled(if: getuid() == 0, "needs root for raw ICMP sockets"))
struct SmokepingRealEngineTests {
    typealias T = SmokepingTesting

    @Test func loopbackOverIPv4AndIPv6() async throws {
        let targets = ["127.0.0.1", "127.0.0.2", "::1"]
        let box = try T.ConfigBox(T.config(targets: targets))
        let service = SmokepingService(config: box.reloadable, engine: sharedTestICMPEngine,
                                       resolver: T.ScriptedResolver([:], validFor: .seconds(60)),
                                       logger: T.quietLogger, requestLimit: 5, resolveRetry: .seconds(1))
        try await T.running(service) {
            #expect(await T.waitUntil { targets.allSatisfy { service.series(host: $0)?.snapshot.histogram.count == 5 } })
        }
        for target in targets {
            let counters = try #require(service.series(host: target)?.snapshot)
            #expect(counters.requests == 5 && counters.sendErrors == 0 && counters.duplicates == 0, "\(target)")
            #expect(counters.ttl == 64, "\(target): the reply's TTL / hop limit")
            #expect(counters.histogram.sum > 0 && counters.histogram.sum < 0.5, "\(target): \(counters.histogram.sum) s")
        }
    }

    /// The loss smokeping_prober's users derive from the counters (requests minus answered) is the
    /// loss on the wire: a host behind a veth pair drops exactly one echo reply in four.
    @Test(.enabled(if: TestNetwork.isAvailable, "needs root (ip netns)"))
    func lossFromTheCountersMatchesTheDropRule() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try network.dropEchoReplies(oneIn: 4)
        let box = try T.ConfigBox(T.config(targets: [network.peerIPv4], interval: 20))
        let service = SmokepingService(config: box.reloadable, engine: sharedTestICMPEngine,
                                       resolver: T.ScriptedResolver([:], validFor: .seconds(60)),
                                       logger: T.quietLogger, requestLimit: 40, resolveRetry: .seconds(1))
        try await T.running(service) {
            // All 40 sent and 30 answered; a 31st would show in the count below.
            #expect(await T.waitUntil {
                let counters = service.series(host: network.peerIPv4)?.snapshot
                return counters?.requests == 40 && (counters?.histogram.count ?? 0) >= 30
            })
        }
        let counters = try #require(service.series(host: network.peerIPv4)?.snapshot)
        #expect(counters.requests == 40)
        #expect(counters.histogram.count == 30, "40 requests, one reply in four dropped")
        #expect(Double(counters.requests - counters.histogram.count) / Double(counters.requests) == 0.25)
    }
}
