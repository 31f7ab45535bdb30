import Foundation
import Testing
@testable import Probes
import VandineCore

/// Reverse names: the real getnameinfo on a loopback address (answered from /etc/hosts, no DNS
/// traffic), and the time bound with a scripted lookup that hangs. Serialized: the hanging lookups
/// hold the resolver's pool threads until each test releases them.
@Suite(.serialized) struct DiscoveryReverseResolverTests {
    @Test func loopbackHasItsHostsFileName() async {
        // A generous timeout: the answer comes from /etc/hosts, but a loaded full run once took over
        // the default 2 s to get a pool thread to it.
        #expect(await ReverseResolver(timeout: .seconds(10)).name(for: ip("127.0.0.1")) == .name("localhost"))
    }

    @Test func aHangingLookupIsAbandonedAtTheTimeout() async {
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }
        let resolver = ReverseResolver(timeout: .milliseconds(200)) { _ in
            release.wait()  // blocks a pool thread, as a dead DNS server would
            return .name("late.lan")
        }
        let started = ContinuousClock.now
        #expect(await resolver.name(for: ip("10.9.0.1")) == .unknown)
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(200) && took < .seconds(2), "took \(took)")
    }

    @Test func lookupsRunOffTheCooperativePool() async {
        // More hanging lookups than the pool has threads, plus more than the cooperative pool has:
        // all time out together because none of them holds a cooperative thread.
        let release = DispatchSemaphore(value: 0)
        defer { for _ in 0..<16 { release.signal() } }
        let resolver = ReverseResolver(timeout: .milliseconds(300)) { _ in
            release.wait()
            return .none
        }
        let started = ContinuousClock.now
        await withTaskGroup(of: ReverseName.self) { group in
            for index in 0..<16 { group.addTask { await resolver.name(for: ip("10.9.0.\(index + 1)")) } }
            for await name in group { #expect(name == .unknown) }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}
