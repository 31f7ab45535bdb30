import Foundation
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import Probes
import VandineCore

/// Discovery across a real link: a veth pair into a network namespace the test creates (as root).
///
/// The neighbour-table test makes traffic with `fping`, independently of our engine, and
/// ``NetlinkNeighbourTable`` must report the peer's real MAC for IPv4 and IPv6; the sweep test runs
/// the whole path — the real ICMP engine, the neighbour table, the results — on the real link.
@Suite(.serialized) struct DiscoveryIntegrationTests {
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

    @Test(.enabled(if: TestNetwork.isAvailable, "needs root (ip netns) to create a namespace and a veth pair"))
    func aSweepFindsTheNamespaceHostWithItsRealMAC() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        // The process's shared test engine: its two raw sockets serve this sweep too.
        try await sweepFindsThePeer(network, engine: sharedTestICMPEngine)
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
