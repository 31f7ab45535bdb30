import Testing
@testable import Probes
import VandineCore

/// Discovered hosts on `/sd` and as `/probe` targets.
@Suite struct DiscoveryTargetsTests {
    static let config = try! ConfigLoader(environment: [:]).parse(yaml: """
        modules:
          ping_like:
            prober: tcp
            tcp: {port: 7}
          web:
            prober: http
        devices:
          - name: router
            address: 10.9.0.1
            modules: [ping_like]
          - name: nas
            address: nas.lan
        discovery:
          networks: [10.9.0.0/24, "fd00:9::/120"]
          modules: [ping_like, web]
          labels: {site: home}
        allowed_targets:
          - 127.0.0.0/8
        """, file: "vandine.yml")

    static let hosts = [
        DiscoveredHost(address: ip("10.9.0.1"), mac: MACAddress("02:00:00:00:00:01"), firstSeen: 0, lastSeen: 0),  // the router
        DiscoveredHost(address: ip("10.9.0.2"), hostname: "NAS.lan", firstSeen: 0, lastSeen: 0),  // the nas, by name
        DiscoveredHost(address: ip("10.9.0.5"), mac: MACAddress("02:00:00:00:00:05"), hostname: "printer.lan", firstSeen: 0, lastSeen: 0),
        DiscoveredHost(address: ip("10.9.0.6"), firstSeen: 0, lastSeen: 0, up: false),  // vanished
        DiscoveredHost(address: ip("10.7.0.1"), firstSeen: 0, lastSeen: 0),  // outside the networks now configured
        DiscoveredHost(address: ip("fd00:9::5"), firstSeen: 0, lastSeen: 0),
    ]

    @Test func discoveredHostsGetTheirModulesAndTellingLabels() {
        let groups = ServiceDiscovery.discoveredGroups(for: Self.config, discovered: Self.hosts)
        #expect(groups.map { "\($0.targets) \($0.labels["__param_module"]!)" } == [
            "[\"10.9.0.5\"] ping_like", "[\"10.9.0.5\"] web", "[\"fd00:9::5\"] ping_like", "[\"[fd00:9::5]\"] web",
        ])
        #expect(groups[0].labels == [
            "__param_target": "10.9.0.5", "__param_module": "ping_like", "module": "ping_like",
            "vandine_discovered": "true", "mac": "02:00:00:00:00:05", "hostname": "printer.lan", "site": "home",
        ])
        #expect(groups[2].labels == [
            "__param_target": "fd00:9::5", "__param_module": "ping_like", "module": "ping_like",
            "vandine_discovered": "true", "site": "home",
        ], "no mac or hostname label when unknown")
    }

    @Test func everyDiscoveredEntryIsAcceptedByProbe() throws {
        for group in ServiceDiscovery.discoveredGroups(for: Self.config, discovered: Self.hosts) {
            let module = try #require(Self.config.modules[group.labels["__param_module"]!])
            let target = group.labels["__param_target"]!
            #expect(throws: Never.self, "\(target) with \(module.name)") {
                try TargetPolicy.resolve(target, form: module.options.targetForm, in: Self.config).get()
            }
        }
    }

    @Test func configuredDevicesAreNotListedTwice() {
        let groups = ServiceDiscovery.targetGroups(for: Self.config, discovered: Self.hosts)
        let routerEntries = groups.filter { $0.targets == ["router"] || $0.targets == ["10.9.0.1"] }
        #expect(routerEntries.count == 1)
        #expect(routerEntries.first?.labels["vandine_discovered"] == nil)
        #expect(!groups.contains { $0.targets == ["10.9.0.2"] }, "the nas is known by its name")
        #expect(groups.first?.targets == ["router"], "devices come first")
    }

    @Test func withoutDiscoveryConfiguredNothingDiscoveredIsListed() {
        var config = Self.config
        config.discovery = nil
        #expect(ServiceDiscovery.discoveredGroups(for: config, discovered: Self.hosts).isEmpty)
    }

    @Test(arguments: [
        ("10.9.0.77", true), ("10.9.0.77:22", true), ("[fd00:9::ff]:22", true), ("::ffff:10.9.0.3", true),
        ("10.9.1.1", false), ("fd00:9::1:1", false), ("printer.lan", false),
    ])
    func discoveryNetworksAreAllowedTargets(_ target: String, _ allowed: Bool) {
        let result = TargetPolicy.resolve(target, form: .hostPort, in: Self.config)
        if allowed {
            #expect(throws: Never.self) { try result.get() }
        } else {
            let host = (try? HostPort.parse(target).get())?.host ?? target
            #expect(result == .failure(.forbidden("target \"\(host)\" is not a configured device and not in allowed_targets or discovery.networks")))
        }
    }

    @Test func theProbeHandlerProbesADiscoveredAddressAndRefusesOthers() async throws {
        var config = Self.config
        config.discovery?.networks.append(IPNetwork("127.9.9.0/29")!)
        let handler = ProbeHandler(probers: registry(FakeProber()))
        let inside = await handler.handle(ProbeRequest(target: "127.9.9.1", module: "ping_like"), config: config)
        #expect(inside.statusCode == 200)
        #expect(inside.body.contains("probe_success 1"))
        let outside = await handler.handle(ProbeRequest(target: "10.10.0.1", module: "ping_like"), config: config)
        #expect(outside == .forbidden("target \"10.10.0.1\" is not a configured device and not in allowed_targets or discovery.networks"))
    }
}
