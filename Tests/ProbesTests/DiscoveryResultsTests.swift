import Testing
import TestSupport
@testable import Probes
import VandineCore

/// New / vanished / returned detection, keep_vanished expiry on an injected clock, known_device
/// matching and the `/metrics` series.
@Suite struct DiscoveryResultsTests {
    static let network = IPNetwork("10.9.0.0/24")!
    static let keep = PrometheusDuration.seconds(86_400)
    let clock = TestClock()

    func sweep(_ results: DiscoveryResults, up: [String], macs: [String: String] = [:], names: [String: ReverseName] = [:],
               networks: [IPNetwork] = [network]) -> DiscoveryResults.Changes {
        let answered = Dictionary(uniqueKeysWithValues: up.map { (ip($0), Duration.milliseconds(2)) })
        return results.record(answered: answered,
                              macs: Dictionary(uniqueKeysWithValues: macs.map { (ip($0.key), MACAddress($0.value)!) }),
                              names: Dictionary(uniqueKeysWithValues: names.map { (ip($0.key), $0.value) }),
                              networks: networks, keepVanished: Self.keep,
                              summary: .init(finished: clock.now, durationSeconds: 1.5, addresses: 254, success: true), now: clock.now)
    }

    @Test func hostsAppearVanishAndReturn() {
        let results = DiscoveryResults()
        var changes = sweep(results, up: ["10.9.0.2", "10.9.0.1"])
        #expect(changes.appeared.map(\.address.description) == ["10.9.0.1", "10.9.0.2"])
        #expect(changes.vanished.isEmpty && changes.returned.isEmpty)

        clock.advance(by: 600)
        changes = sweep(results, up: ["10.9.0.2", "10.9.0.3"])
        #expect(changes.appeared.map(\.address.description) == ["10.9.0.3"])
        #expect(changes.vanished.map(\.address.description) == ["10.9.0.1"])
        #expect(results.hosts.map { "\($0.address) \($0.up)" } == ["10.9.0.1 false", "10.9.0.2 true", "10.9.0.3 true"])

        clock.advance(by: 600)
        changes = sweep(results, up: ["10.9.0.1", "10.9.0.2", "10.9.0.3"])
        #expect(changes.returned.map(\.address.description) == ["10.9.0.1"])
        #expect(changes.appeared.isEmpty && changes.vanished.isEmpty)
        let first = results.hosts[0]
        #expect(first.firstSeen == clock.now - 1200, "a returning host keeps its first-seen time")
        #expect(first.lastSeen == clock.now)
    }

    @Test func vanishedHostsAreKeptForKeepVanishedThenForgotten() {
        let results = DiscoveryResults()
        _ = sweep(results, up: ["10.9.0.1", "10.9.0.2"])
        let lastSeen = clock.now
        clock.advance(by: 600)
        _ = sweep(results, up: ["10.9.0.2"])

        clock.advance(by: Self.keep.seconds - 600)  // exactly keep_vanished after the last answer
        var changes = sweep(results, up: ["10.9.0.2"])
        #expect(changes.forgotten.isEmpty)
        #expect(results.hosts.first?.lastSeen == lastSeen)

        clock.advance(by: 1)
        changes = sweep(results, up: ["10.9.0.2"])
        #expect(changes.forgotten.map(\.address.description) == ["10.9.0.1"])
        #expect(results.hosts.map(\.address.description) == ["10.9.0.2"])

        // Forgotten means new again.
        clock.advance(by: 600)
        changes = sweep(results, up: ["10.9.0.1", "10.9.0.2"])
        #expect(changes.appeared.map(\.address.description) == ["10.9.0.1"])
    }

    @Test func aFailedSweepVanishesNobodyButStillExpires() {
        let results = DiscoveryResults()
        _ = sweep(results, up: ["10.9.0.1", "10.9.0.2"])
        clock.advance(by: 600)
        _ = sweep(results, up: ["10.9.0.2"])
        clock.advance(by: Self.keep.seconds + 1)
        let forgotten = results.recordFailure(networks: [Self.network], keepVanished: Self.keep,
                                              summary: .init(finished: clock.now, durationSeconds: 0, addresses: 0, success: false),
                                              now: clock.now)
        #expect(forgotten.map(\.address.description) == ["10.9.0.1"])
        #expect(results.hosts.map { "\($0.address) \($0.up)" } == ["10.9.0.2 true"], "still up: the failed sweep says nothing")
        #expect(results.lastSweep?.success == false)
    }

    @Test func hostsOutsideTheConfiguredNetworksAreForgotten() {
        let results = DiscoveryResults()
        _ = sweep(results, up: ["10.9.0.1"])
        let changes = sweep(results, up: ["10.8.0.1"], networks: [IPNetwork("10.8.0.0/24")!])
        #expect(changes.forgotten.map(\.address.description) == ["10.9.0.1"])
        #expect(changes.vanished.isEmpty, "a host of a network removed from the config is forgotten, not vanished")
        #expect(results.hosts.map(\.address.description) == ["10.8.0.1"])
    }

    @Test func macAndNameAreKeptUnlessTheSweepLearnsOtherwise() {
        let results = DiscoveryResults()
        _ = sweep(results, up: ["10.9.0.1"], macs: ["10.9.0.1": "02:00:00:00:00:01"], names: ["10.9.0.1": .name("nas.lan")])
        // The neighbour entry has gone and the lookup timed out: both kept.
        _ = sweep(results, up: ["10.9.0.1"], names: ["10.9.0.1": .unknown])
        #expect(results.hosts[0].mac?.description == "02:00:00:00:00:01")
        #expect(results.hosts[0].hostname == "nas.lan")
        // The name is gone from DNS; the MAC changed (another box took the address).
        _ = sweep(results, up: ["10.9.0.1"], macs: ["10.9.0.1": "02:00:00:00:00:99"], names: ["10.9.0.1": .none])
        #expect(results.hosts[0].mac?.description == "02:00:00:00:00:99")
        #expect(results.hosts[0].hostname == nil)
    }

    @Test func knownDeviceMatchesByAddressThenByName() {
        let devices = [
            DeviceConfig(name: "router", address: "10.9.0.1"),
            DeviceConfig(name: "nas", address: "NAS.lan."),
            DeviceConfig(name: "v6box", address: "fd00::5"),
        ]
        let byAddress = DiscoveredHost(address: ip("10.9.0.1"), hostname: "nas.lan", firstSeen: 0, lastSeen: 0)
        #expect(byAddress.knownDevice(in: devices)?.name == "router", "the address wins over the name")
        #expect(DiscoveredHost(address: ip("10.9.0.2"), hostname: "nas.lan", firstSeen: 0, lastSeen: 0).knownDevice(in: devices)?.name == "nas")
        #expect(DiscoveredHost(address: ip("fd00:0::5"), firstSeen: 0, lastSeen: 0).knownDevice(in: devices)?.name == "v6box")
        #expect(DiscoveredHost(address: ip("10.9.0.3"), hostname: "printer.lan", firstSeen: 0, lastSeen: 0).knownDevice(in: devices) == nil)
        #expect(DiscoveredHost(address: ip("10.9.0.4"), firstSeen: 0, lastSeen: 0).knownDevice(in: devices) == nil)
    }

    @Test func metricsBeforeTheFirstSweepAreNone() {
        #expect(DiscoveryResults().families(devices: []).isEmpty)
    }

    @Test func metricsNameEveryHostAndPassPromtool() throws {
        let results = DiscoveryResults()
        _ = sweep(results, up: ["10.9.0.1", "10.9.0.7"], macs: ["10.9.0.1": "02:00:00:00:00:01"], names: ["10.9.0.7": .name("tv \"den\".lan")])
        let firstSweep = clock.now
        clock.advance(by: 600)
        _ = sweep(results, up: ["10.9.0.1"], macs: ["10.9.0.1": "02:00:00:00:00:01"])
        let text = ExpositionEncoder.encode(results.families(devices: [DeviceConfig(name: "router", address: "10.9.0.1")]))
        let now = Int(clock.now), first = Int(firstSweep)
        #expect(text == """
            # HELP vandine_discovered_host_info A host found by the discovery sweep, with its MAC address, reverse-DNS name and the configured device it is (empty when unknown).
            # TYPE vandine_discovered_host_info gauge
            vandine_discovered_host_info{address="10.9.0.1",hostname="",known_device="router",mac="02:00:00:00:00:01"} 1
            vandine_discovered_host_info{address="10.9.0.7",hostname="tv \\"den\\".lan",known_device="",mac=""} 1
            # HELP vandine_discovered_host_last_seen_timestamp_seconds When the discovered host last answered a sweep; kept for discovery.keep_vanished after it stops.
            # TYPE vandine_discovered_host_last_seen_timestamp_seconds gauge
            vandine_discovered_host_last_seen_timestamp_seconds{address="10.9.0.1"} \(now)
            vandine_discovered_host_last_seen_timestamp_seconds{address="10.9.0.7"} \(first)
            # HELP vandine_discovered_host_up Whether the discovered host answered the last discovery sweep.
            # TYPE vandine_discovered_host_up gauge
            vandine_discovered_host_up{address="10.9.0.1"} 1
            vandine_discovered_host_up{address="10.9.0.7"} 0
            # HELP vandine_discovery_hosts Hosts that answered the last discovery sweep.
            # TYPE vandine_discovery_hosts gauge
            vandine_discovery_hosts 1
            # HELP vandine_discovery_last_sweep_addresses Addresses the last discovery sweep sent to.
            # TYPE vandine_discovery_last_sweep_addresses gauge
            vandine_discovery_last_sweep_addresses 254
            # HELP vandine_discovery_last_sweep_duration_seconds How long the last discovery sweep took.
            # TYPE vandine_discovery_last_sweep_duration_seconds gauge
            vandine_discovery_last_sweep_duration_seconds 1.5
            # HELP vandine_discovery_last_sweep_success Whether the last discovery sweep ran to the end (0: no ICMP socket, every request refused, or cancelled).
            # TYPE vandine_discovery_last_sweep_success gauge
            vandine_discovery_last_sweep_success 1
            # HELP vandine_discovery_last_sweep_timestamp_seconds When the last discovery sweep finished.
            # TYPE vandine_discovery_last_sweep_timestamp_seconds gauge
            vandine_discovery_last_sweep_timestamp_seconds \(now)

            """)
        let lint = try Command.run("promtool", ["check", "metrics"], input: text)
        #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool: \(lint.stdout)\(lint.stderr)")
    }
}
