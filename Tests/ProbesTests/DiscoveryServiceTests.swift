import Logging
import Synchronization
import Testing
@testable import Probes
import VandineCore

/// The discovery Service end to end on fakes: sweep, neighbour table, names, results, log lines,
/// and the config re-read on reload.
@Suite struct DiscoveryServiceTests {
    static let modules = """
        modules:
          ping_like:
            prober: tcp
            tcp: {port: 7}

        """

    static func yaml(networks: String, devices: String = "") -> String {
        Self.modules + devices + """
            discovery:
              networks: [\(networks)]
              interval: 1h
              timeout: 1s  # long enough for the fake's 1 ms replies on a loaded machine
              packets_per_second: 1000
              modules: [ping_like]
              keep_vanished: 1h

            """
    }

    /// A reloadable config whose text the test changes.
    final class ConfigText: Sendable {
        let text: Mutex<String>
        init(_ text: String) { self.text = Mutex(text) }
        func set(_ new: String) { text.withLock { $0 = new } }

        func reloadable() throws -> ReloadableConfig<ExporterConfig> {
            try ReloadableConfig { [self] () throws -> ExporterConfig in
                try ConfigLoader(environment: [:]).parse(yaml: text.withLock { $0 }, file: "vandine.yml")
            }
        }
    }

    let log = CapturedLog()
    let clock = TestClock()

    func service(_ config: ReloadableConfig<ExporterConfig>, engine: any ICMPEchoing, neighbours: FakeNeighbourTable = FakeNeighbourTable(),
                 names: FakeNames = FakeNames()) -> DiscoveryService {
        DiscoveryService(config: config, engine: engine, results: DiscoveryResults(), neighbours: neighbours, names: names,
                         logger: log.logger, now: { [clock] in clock.now }, configCheckInterval: .milliseconds(20))
    }

    @Test func aSweepFindsHostsWithMACsAndNamesAndLogsThem() async throws {
        let config = try ConfigText(Self.yaml(networks: "10.9.0.0/29", devices: "devices:\n  - {name: router, address: 10.9.0.1}\n")).reloadable()
        let engine = scriptedEngine(up: [ip("10.9.0.1"), ip("10.9.0.3"), ip("10.9.0.6")])
        let neighbours = FakeNeighbourTable([
            NeighbourEntry(address: ip("10.9.0.1"), mac: MACAddress("02:00:00:00:00:01")!, state: NeighbourState.stale),
            NeighbourEntry(address: ip("10.9.0.3"), mac: MACAddress("02:00:00:00:00:03")!, interfaceIndex: 4, state: NeighbourState.stale),
            NeighbourEntry(address: ip("10.9.0.3"), mac: MACAddress("02:00:00:00:00:33")!, interfaceIndex: 5, state: NeighbourState.reachable),
            NeighbourEntry(address: ip("10.9.0.4"), mac: MACAddress("02:00:00:00:00:04")!),
        ])
        let service = service(config, engine: engine, neighbours: neighbours,
                              names: FakeNames(names: [ip("10.9.0.3"): .name("printer.lan")]))
        let discovery = try #require(config.current.discovery)

        var changes = await service.sweepOnce(discovery, devices: config.current.devices)
        #expect(changes.appeared.map(\.address.description) == ["10.9.0.1", "10.9.0.3", "10.9.0.6"])
        for address in discovery.sweepAddresses { #expect(engine.sent(to: ICMPDestination(address: address)) == 1) }
        #expect(service.results.hosts.map { "\($0.address) \($0.mac?.description ?? "-") \($0.hostname ?? "-")" } == [
            "10.9.0.1 02:00:00:00:00:01 -",
            "10.9.0.3 02:00:00:00:00:33 printer.lan",  // the reachable entry wins over the stale one
            "10.9.0.6 - -",  // answered, but not in the neighbour table
        ])
        let appeared = log.info("new host discovered")
        #expect(appeared.count == 3)
        #expect(appeared[0].hasSuffix("address=10.9.0.1 known_device=router mac=02:00:00:00:00:01\n"))
        #expect(appeared[1].hasSuffix("address=10.9.0.3 hostname=printer.lan mac=02:00:00:00:00:33\n"))
        #expect(appeared[0].contains("level=info "))

        clock.advance(by: 3600)
        // The next sweep (same results, same neighbour table): 10.9.0.3 no longer answers.
        let later = DiscoveryService(config: config, engine: scriptedEngine(up: [ip("10.9.0.1"), ip("10.9.0.6")]),
                                     results: service.results, neighbours: neighbours, names: FakeNames(),
                                     logger: log.logger, now: { [clock] in clock.now })
        changes = await later.sweepOnce(discovery, devices: config.current.devices)
        #expect(changes.vanished.map(\.address.description) == ["10.9.0.3"])
        let vanished = log.info("discovered host vanished")
        #expect(vanished.count == 1)
        #expect(vanished[0].hasSuffix("address=10.9.0.3 hostname=printer.lan mac=02:00:00:00:00:33\n"))
    }

    @Test func aSweepWithoutSocketIsLoggedAndVanishesNobody() async throws {
        let config = try ConfigText(Self.yaml(networks: "10.9.0.0/30")).reloadable()
        let discovery = try #require(config.current.discovery)
        let results = DiscoveryResults()
        let up = DiscoveryService(config: config, engine: scriptedEngine(up: [ip("10.9.0.1")]), results: results,
                                  neighbours: FakeNeighbourTable(), names: FakeNames(), logger: log.logger, now: { [clock] in clock.now })
        _ = await up.sweepOnce(discovery, devices: [])
        var script = FakeEchoEngine.Script()
        script.openError = .notPermitted("cannot open an ICMP socket: grant CAP_NET_RAW")
        let broken = DiscoveryService(config: config, engine: FakeEchoEngine(script), results: results,
                                      neighbours: FakeNeighbourTable(), names: FakeNames(), logger: log.logger, now: { [clock] in clock.now })
        let changes = await broken.sweepOnce(discovery, devices: [])
        #expect(changes.vanished.isEmpty)
        #expect(results.hosts.map(\.up) == [true])
        #expect(results.lastSweep?.success == false)
        let failed = log.all.filter { $0.contains("msg=\"discovery sweep failed; no host counts as vanished\"") }
        #expect(failed.count == 1)
        #expect(failed.first?.contains("level=error") == true)
        #expect(failed.first?.contains("err=\"cannot open an ICMP socket: grant CAP_NET_RAW\" networks=10.9.0.0/30") == true)
    }

    @Test func anUnreadableNeighbourTableKeepsTheMACsKnown() async throws {
        let config = try ConfigText(Self.yaml(networks: "10.9.0.0/30")).reloadable()
        let discovery = try #require(config.current.discovery)
        let neighbours = FakeNeighbourTable([NeighbourEntry(address: ip("10.9.0.1"), mac: MACAddress("02:00:00:00:00:01")!)])
        let service = service(config, engine: scriptedEngine(up: [ip("10.9.0.1")]), neighbours: neighbours)
        _ = await service.sweepOnce(discovery, devices: [])
        let failing = DiscoveryService(config: config, engine: scriptedEngine(up: [ip("10.9.0.1")]), results: service.results,
                                       neighbours: FakeNeighbourTable(error: "netlink says no"), names: FakeNames(),
                                       logger: log.logger, now: { [clock] in clock.now })
        _ = await failing.sweepOnce(discovery, devices: [])
        #expect(service.results.hosts.first?.mac?.description == "02:00:00:00:00:01")
        #expect(log.all.contains { $0.contains("level=warning") && $0.contains("err=\"netlink says no\"") })
    }

    @Test func theServiceFollowsReloads() async throws {
        let text = ConfigText(Self.yaml(networks: "10.9.0.0/30"))
        let config = try text.reloadable()
        let engine = scriptedEngine(up: [ip("10.9.0.1"), ip("10.8.0.1")])
        let service = service(config, engine: engine)
        let running = Task { await service.loop() }
        defer { running.cancel() }

        // The first sweep starts at once.
        try await until { service.results.hosts.map(\.address.description) == ["10.9.0.1"] }
        // New networks on reload: swept at once, not after the 1 h interval; the old network's hosts go.
        text.set(Self.yaml(networks: "10.8.0.0/30"))
        #expect(throws: Never.self) { try config.reload().get() }
        try await until { service.results.hosts.map(\.address.description) == ["10.8.0.1"] }
        #expect(engine.sent(to: ICMPDestination(address: ip("10.9.0.1"))) == 1, "the old network was not swept again")
        // Discovery removed: results cleared.
        text.set(Self.modules)
        #expect(throws: Never.self) { try config.reload().get() }
        try await until { service.results.lastSweep == nil }
        #expect(log.info("discovery is no longer configured; discovered hosts forgotten").count == 1)
        running.cancel()
        await running.value
    }

    /// Waits until `condition` holds, failing after 10 s.
    func until(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 10 s", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
