import Foundation
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import Probes
import VandineCore

/// Discovery across a real link: a veth pair into a network namespace the test creates (as root).
///
/// The neighbour-table test runs now: `fping` (the only pinger installed) makes the kernel resolve
/// the peer, and ``NetlinkNeighbourTable`` must report the peer's real MAC for IPv4 and IPv6.
/// The sweep runs twice: on a stand-in engine that sends each echo with `fping` (so the whole path
/// — sweep, neighbour table, results — is proved on a real link today), and on the real ICMP
/// engine the exporter's wiring builds (``ProberWiring/echo``), skipped until that exists.
@Suite(.serialized) struct DiscoveryIntegrationTests {
    /// The engine the exporter would use, nil until one is wired.
    static var realEngine: (any ICMPEchoing)? { ProberWiring.standard().echo }

    @Test(.enabled(if: TestNetwork.isAvailable, "needs root (ip netns) to create a namespace and a veth pair"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fping"), "needs fping to make traffic without the ICMP engine"))
    func theNeighbourTableHasThePeersRealMAC() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        for peer in [network.peerIPv4, network.peerIPv6] {
            let ping = try Command.run("/usr/bin/fping", ["-c", "1", "-t", "1000", peer])
            try #require(ping.status == 0, "fping \(peer): \(ping.stderr)")
        }
        let entries = try NetlinkNeighbourTable().entries()
        let peers = entries.filter { [network.peerIPv4, network.peerIPv6].contains($0.address.description) }
        #expect(peers.map(\.address.description).sorted() == [network.peerIPv4, network.peerIPv6].sorted())
        #expect(peers.allSatisfy { $0.mac.description == network.peerMAC }, "\(peers) vs \(network.peerMAC)")
        #expect(peers.allSatisfy { $0.interfaceIndex == Int32(if_nametoindex(network.hostSide)) })
    }

    @Test(.enabled(if: TestNetwork.isAvailable, "needs root (ip netns) to create a namespace and a veth pair"),
          .enabled(if: realEngine != nil, "needs the real ICMP engine (ProberWiring.standard().echo), which is not wired in this build yet"))
    func aSweepFindsTheNamespaceHostWithItsRealMAC() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let wiring = ProberWiring.standard()
        let engine = try #require(wiring.echo)
        // Run the engine's own Service (its receive loop), if it has one, for the test's length.
        let engineServices = wiring.services.filter { $0 is any ICMPEchoing }
        let running = Task { try await withThrowingTaskGroup(of: Void.self) { group in
            for service in engineServices { group.addTask { try await service.run() } }
            try await group.waitForAll()
        } }
        defer { running.cancel() }
        try await sweepFindsThePeer(network, engine: engine)
    }

    @Test(.enabled(if: TestNetwork.isAvailable, "needs root (ip netns) to create a namespace and a veth pair"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fping"), "needs fping for the stand-in engine"))
    func aSweepThroughFpingFindsTheNamespaceHostWithItsRealMAC() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try await sweepFindsThePeer(network, engine: FpingEchoEngine())
    }

    /// Sweeps the pair's two networks through `engine`: the peer must be found on both families
    /// with its real MAC, and this host's own two addresses (no MAC), and nothing else.
    func sweepFindsThePeer(_ network: TestNetwork, engine: any ICMPEchoing) async throws {
        let yaml = """
            modules:
              ping_like:
                prober: tcp
                tcp: {port: 7}
            discovery:
              networks: [\(network.ipv4Network), "\(network.ipv6Network)"]
              timeout: 3s
              packets_per_second: 50
              modules: [ping_like]
            """
        let config = try ReloadableConfig { () throws -> ExporterConfig in try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "test.yml") }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // No reverse lookups: they would ask the machine's DNS server about test addresses.
        let service = DiscoveryService(config: config, engine: engine, results: DiscoveryResults(), names: FakeNames(), logger: logger)
        let changes = await service.sweepOnce(try #require(config.current.discovery), devices: [])
        #expect(service.results.lastSweep?.success == true)
        let found = Dictionary(uniqueKeysWithValues: changes.appeared.map { ($0.address.description, $0) })
        for peer in [network.peerIPv4, network.peerIPv6] {
            #expect(found[peer]?.mac?.description == network.peerMAC, "\(peer) found with its real MAC")
        }
        // This host's own end answers too, without a neighbour entry; nothing else is on the link.
        #expect(Set(found.keys) == [network.peerIPv4, network.peerIPv6, network.hostIPv4, network.hostIPv6])
        #expect(found[network.hostIPv4]?.mac == nil)
    }
}

/// A stand-in ICMP engine for the integration test only: each `send` runs one `fping` in the
/// background (never on a cooperative thread) and reports a reply when it exits 0. Slow (a
/// process per echo) but real packets on a real link.
final class FpingEchoEngine: ICMPEchoing {
    func openSession(to destination: ICMPDestination, options: EchoOptions,
                     onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
        Session(destination: destination, onReply: onReply)
    }

    final class Session: EchoSession {
        let destination: ICMPDestination
        let onReply: @Sendable (EchoReply) -> Void

        init(destination: ICMPDestination, onReply: @escaping @Sendable (EchoReply) -> Void) {
            self.destination = destination
            self.onReply = onReply
        }

        func send() throws(ICMPError) -> UInt16 {
            let address = destination.address.description
            let onReply = self.onReply
            Thread.detachNewThread {
                let started = ContinuousClock.now
                guard let result = try? Command.run("/usr/bin/fping", ["-c", "1", "-t", "500", address]), result.status == 0 else { return }
                onReply(EchoReply(sequence: 0, rtt: ContinuousClock.now - started, hopLimit: nil, isDuplicate: false))
            }
            return 0
        }

        func close() {}
    }
}
