import Foundation
import Testing
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
}
