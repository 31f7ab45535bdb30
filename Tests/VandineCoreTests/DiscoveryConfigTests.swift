import Foundation
import Testing
@testable import VandineCore

/// The `discovery:` section: defaults, every key, and each error's exact line.
@Suite struct DiscoveryConfigTests {
    static let modules = """
        modules:
          icmp_like:
            prober: tcp
            tcp: {port: 22}
          tcp_connect:
            prober: tcp

        """

    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    @Test func defaultsFillEveryKeyButNetworks() throws {
        let config = try Self.load(Self.modules + """
            discovery:
              networks: [192.168.2.0/24]
              modules: [icmp_like]
            """)
        let discovery = try #require(config.discovery)
        #expect(discovery.networks.map(\.description) == ["192.168.2.0/24"])
        #expect(discovery.interval == .seconds(600))
        #expect(discovery.timeout == .seconds(1))
        #expect(discovery.packetsPerSecond == 200)
        #expect(discovery.maxAddresses == 1024)
        #expect(discovery.keepVanished == .seconds(86_400))
        #expect(discovery.labels.isEmpty)
        #expect(discovery.sweepAddresses.count == 254, "network and broadcast addresses are not swept")
    }

    @Test func everyKeyIsRead() throws {
        let config = try Self.load(Self.modules + """
            discovery:
              networks: [192.168.2.7/24, "fd00:2::/120", 10.1.0.0/31]
              interval: 5m
              timeout: 500ms
              packets_per_second: 50
              max_addresses: 256
              modules: [icmp_like]
              keep_vanished: 2h
              labels: {site: home}
            """)
        let discovery = try #require(config.discovery)
        #expect(discovery.networks.map(\.description) == ["192.168.2.0/24", "fd00:2::/120", "10.1.0.0/31"], "host bits are cleared")
        #expect(discovery.interval == .seconds(300))
        #expect(discovery.timeout == PrometheusDuration(milliseconds: 500))
        #expect(discovery.packetsPerSecond == 50)
        #expect(discovery.maxAddresses == 256)
        #expect(discovery.modules == ["icmp_like"])
        #expect(discovery.keepVanished == .seconds(7200))
        #expect(discovery.labels == ["site": "home"])
        // 254 IPv4 hosts, 255 IPv6 (all but the subnet-router anycast ::), both addresses of the /31.
        #expect(discovery.sweepAddresses.count == 254 + 255 + 2)
        #expect(discovery.sweepAddresses.first?.description == "192.168.2.1")
        #expect(discovery.sweepAddresses.last?.description == "10.1.0.1")
    }

    @Test func theDefaultModuleIsIcmpWhenDefined() throws {
        let config = try Self.load("""
            modules:
              icmp:
                prober: tcp
                tcp: {port: 7}
            discovery:
              networks: [10.0.0.0/24]
            """)
        #expect(config.discovery?.modules == ["icmp"])
    }

    @Test func aSlash22IsTheDefaultLimit() throws {
        let config = try Self.load(Self.modules + """
            discovery:
              networks: [10.0.0.0/22]
              modules: []
            """)
        #expect(config.discovery?.sweepAddresses.count == 1022)
        #expect(throws: ConfigError.self) {
            try Self.load(Self.modules + "discovery:\n  networks: [10.0.0.0/21]\n  modules: []\n")
        }
    }

    @Test func renderedSectionLoadsBackUnchanged() throws {
        let config = try Self.load(Self.modules + """
            discovery:
              networks: [192.168.2.0/24, "fd00:2::/120"]
              interval: 5m
              timeout: 500ms
              packets_per_second: 50
              max_addresses: 256
              modules: [icmp_like]
              keep_vanished: 0s
              labels: {site: "home lab"}
            """)
        let rendered = ConfigRenderer.render(config)
        #expect(rendered.contains("discovery:\n  networks: [\"192.168.2.0/24\", \"fd00:2::/120\"]\n"))
        #expect(try Self.load(rendered) == config)
    }

    @Test(arguments: [
        ("discovery:\n  networks: [10.0.0.0/24]\n  modules: []\n  sweep: fast\n",
         "vandine.yml:10:3: discovery.sweep: unknown key \"sweep\" (known keys: interval, keep_vanished, labels, max_addresses, modules, networks, packets_per_second, timeout)"),
        ("discovery:\n  modules: []\n",
         "vandine.yml:8:3: discovery: missing required key \"networks\""),
        ("discovery:\n  networks: []\n  modules: []\n",
         "vandine.yml:8:13: discovery.networks: must list at least one network"),
        ("discovery:\n  networks: [10.0.0.0/33]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: must be a CIDR like 192.168.2.0/24 or fd00:2::/120, got 10.0.0.0/33"),
        ("discovery:\n  networks: [10.0.0.7]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: must be a CIDR like 192.168.2.0/24 or fd00:2::/120, got 10.0.0.7"),
        ("discovery:\n  networks: [10.0.0.0/16]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network 10.0.0.0/16 has 65536 addresses, more than max_addresses 1024 (a /22): sweep smaller networks or raise max_addresses"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  max_addresses: 100\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network 10.0.0.0/24 has 256 addresses, more than max_addresses 100 (a /26): sweep smaller networks or raise max_addresses"),
        ("discovery:\n  networks: [\"fd00::/64\"]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network fd00::/64 has 2^64 addresses, more than max_addresses 1024 (a /118): sweep smaller networks or raise max_addresses"),
        ("discovery:\n  networks: [\"fd00::/8\"]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network fd00::/8 has 2^120 addresses, more than max_addresses 1024 (a /118): sweep smaller networks or raise max_addresses"),
        ("discovery:\n  networks: [\"fe80::/120\"]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: link-local network fe80::/120 cannot be swept (its addresses need an interface): use a global or unique-local prefix"),
        ("discovery:\n  networks: [\"::ffff:10.0.0.0/120\"]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network ::ffff:10.0.0.0/120 cannot be swept: it is IPv4-mapped IPv6, which is never on a wire: write the IPv4 network (10.0.0.0/24)"),
        ("discovery:\n  networks: [0.0.0.0/30]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network 0.0.0.0/30 cannot be swept: 0.0.0.0/8 means \"this network\" and holds no hosts"),
        ("discovery:\n  networks: [224.0.0.0/24]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network 224.0.0.0/24 cannot be swept: it is multicast (224.0.0.0/4), not hosts"),
        ("discovery:\n  networks: [255.255.255.255/32]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network 255.255.255.255/32 cannot be swept: it is reserved (240.0.0.0/4) or the broadcast address"),
        ("discovery:\n  networks: [\"ff02::/120\"]\n  modules: []\n",
         "vandine.yml:8:14: discovery.networks[0]: network ff02::/120 cannot be swept: it is multicast (ff00::/8), not hosts"),
        ("discovery:\n  networks: [10.0.0.0/24, 10.0.0.128/25]\n  modules: []\n",
         "vandine.yml:8:27: discovery.networks[1]: network 10.0.0.128/25 overlaps discovery.networks[0] 10.0.0.0/24"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  max_addresses: 100000\n  modules: []\n",
         "vandine.yml:9:18: discovery.max_addresses: must be 1-65536, got 100000"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  packets_per_second: 0\n  modules: []\n",
         "vandine.yml:9:23: discovery.packets_per_second: must be 1-10000, got 0"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  packets_per_second: fast\n  modules: []\n",
         "vandine.yml:9:23: discovery.packets_per_second: must be an integer 1-10000, got fast"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  interval: 0s\n  modules: []\n",
         "vandine.yml:9:13: discovery.interval: must be greater than 0, got 0s"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  timeout: soon\n  modules: []\n",
         "vandine.yml:9:12: discovery.timeout: must be a duration like 500ms, 10s or 1m30s, got soon"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  interval: 10s\n  timeout: 10s\n  modules: []\n",
         "vandine.yml:10:12: discovery.timeout: must be shorter than interval 10s, got 10s"),
        ("discovery:\n  networks: [10.0.0.0/32]\n  interval: 1s\n  modules: []\n",
         "vandine.yml:9:13: discovery.interval: must be longer than the timeout (1s), got 1s"),
        ("discovery:\n  networks: [10.0.0.0/22]\n  interval: 5s\n  modules: []\n",
         "vandine.yml:9:13: discovery.interval: a sweep of 1022 addresses at 200 packets per second plus the 1s timeout takes 6s105ms, longer than interval 5s: raise interval or packets_per_second"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  keep_vanished: -1h\n  modules: []\n",
         "vandine.yml:9:18: discovery.keep_vanished: must be a duration like 500ms, 10s or 1m30s, got -1h"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  modules: [icmp]\n",
         "vandine.yml:9:13: discovery.modules[0]: unknown module icmp (defined modules: icmp_like, tcp_connect)"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  modules: [tcp_connect]\n",
         "vandine.yml:9:13: discovery.modules[0]: module \"tcp_connect\" can never succeed against a discovered host: a tcp module needs a port: set tcp.port in the module, or probe the device as NAME:PORT"),
        ("discovery:\n  networks: [10.0.0.0/24]\n",
         "vandine.yml:8:3: discovery: modules defaults to [icmp] but no module \"icmp\" is defined: define it, or set modules ([] keeps discovered hosts off /sd)"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  modules: []\n  labels: {mac: x}\n",
         "vandine.yml:10:12: discovery.labels.mac: label name \"mac\" is reserved: /sd sets it itself (reserved: device, hostname, mac, module, service, vandine_discovered)"),
        ("discovery:\n  networks: [10.0.0.0/24]\n  modules: []\n  labels: {__x: y}\n",
         "vandine.yml:10:12: discovery.labels.__x: invalid label name \"__x\" (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)"),
        ("discovery: [10.0.0.0/24]\n",
         "vandine.yml:7:12: discovery: must be a mapping, got a list"),
    ])
    func errorsAreExactOneLiners(_ section: String, _ expected: String) {
        do {
            _ = try Self.load(Self.modules + section)
            Issue.record("loaded but should fail with: \(expected)")
        } catch {
            #expect(error.description == expected)
            #expect(!error.description.utf8.contains(10))
        }
    }

    @Test func discoveryNetworksCoverOnlyIPLiterals() throws {
        let config = try Self.load(Self.modules + "discovery:\n  networks: [10.0.0.0/24, \"fd00:2::/120\"]\n  modules: []\n")
        let discovery = try #require(config.discovery)
        #expect(discovery.covers(host: "10.0.0.77"))
        #expect(discovery.covers(host: "::ffff:10.0.0.77"), "an IPv4-mapped address is its IPv4 address")
        #expect(discovery.covers(host: "fd00:2::ff"))
        #expect(!discovery.covers(host: "10.0.1.1"))
        #expect(!discovery.covers(host: "fd00:2::1:0"))
        #expect(!discovery.covers(host: "printer.lan"), "names are never resolved for the check")
    }
}
