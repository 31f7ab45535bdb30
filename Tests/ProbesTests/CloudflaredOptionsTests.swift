import Testing
import VandineCore

/// The `cloudflared` section: defaults, every key, and one exact line per bad value.
@Suite struct CloudflaredOptionsTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    static func options(_ section: String) throws -> CloudflaredOptions {
        let config = try load("modules:\n  cf:\n    prober: cloudflared\n    \(section)\n")
        guard case let .cloudflared(options) = try #require(config.modules["cf"]).options else {
            Issue.record("module cf is not a cloudflared module")
            return CloudflaredOptions()
        }
        return options
    }

    @Test func defaultsAreAutoAddressIPv4FirstAndFourMebibytes() throws {
        let options = try Self.options("timeout: 5s")
        #expect(options.address == .auto)
        #expect(options.ipProtocol == IPProtocolPreference(preferred: .ip4, fallback: true))
        #expect(options.bodySizeLimit == 4 << 20)
        #expect(options.allowMetrics == nil)
        #expect(options.denyMetrics.isEmpty)
        #expect(options.passes("go_goroutines"))
    }

    @Test func everyKeyParsesAndRendersBack() throws {
        let options = try Self.options("""
        cloudflared:
              address: "127.0.0.1:20243"
              preferred_ip_protocol: ip6
              ip_protocol_fallback: false
              body_size_limit: 512KB
              allow_metrics: ["cloudflared_tunnel_.*", build_info, "quic_client_(min|latest|smoothed)_rtt"]
              deny_metrics: [cloudflared_tunnel_user_hostnames_counts]
        """)
        #expect(options.address == .explicit(HostPort(host: "127.0.0.1", port: 20243)))
        #expect(options.ipProtocol == IPProtocolPreference(preferred: .ip6, fallback: false))
        #expect(options.bodySizeLimit == 512 << 10)
        #expect(options.allowMetrics?.map(\.text) == ["cloudflared_tunnel_.*", "build_info", "quic_client_(min|latest|smoothed)_rtt"])
        #expect(options.render() == """
            address: 127.0.0.1:20243
            preferred_ip_protocol: ip6
            ip_protocol_fallback: false
            body_size_limit: 524288
            allow_metrics: ["cloudflared_tunnel_.*", "build_info", "quic_client_(min|latest|smoothed)_rtt"]
            deny_metrics: ["cloudflared_tunnel_user_hostnames_counts"]

            """)
    }

    @Test func allowAndDenyMatchWholeFamilyNames() throws {
        let options = try Self.options("""
        cloudflared:
              allow_metrics: ["cloudflared_tunnel_.*", build_info, "quic_client_(min|latest|smoothed)_rtt"]
              deny_metrics: [cloudflared_tunnel_user_hostnames_counts]
        """)
        #expect(options.passes("cloudflared_tunnel_total_requests"))
        #expect(options.passes("build_info"))
        #expect(options.passes("quic_client_smoothed_rtt"))
        // Anchored at both ends: an exact name does not match a longer one, nor a prefix.
        #expect(!options.passes("build_info_extra"))
        #expect(!options.passes("my_build_info"))
        #expect(!options.passes("quic_client_sent_frames"))
        #expect(!options.passes("go_goroutines"))
        #expect(!options.passes("cloudflared_tunnel_user_hostnames_counts"))
    }

    @Test(arguments: [
        ("cloudflared: {address: nonsense}",
         "vandine.yml:5:28: modules.cf.cloudflared.address: must be auto or host:port (like 127.0.0.1:20241), got nonsense"),
        ("cloudflared: {address: \"127.0.0.1:0\"}",
         "vandine.yml:5:28: modules.cf.cloudflared.address: must be auto or host:port (like 127.0.0.1:20241), got \"127.0.0.1:0\""),
        ("cloudflared: {address: \"\"}",
         "vandine.yml:5:28: modules.cf.cloudflared.address: must not be empty"),
        ("cloudflared: {body_size_limit: lots}",
         "vandine.yml:5:36: modules.cf.cloudflared.body_size_limit: must be a size like 1048576, 512KB or 10MB, got lots"),
        ("cloudflared: {allow_metrics: []}",
         "vandine.yml:5:34: modules.cf.cloudflared.allow_metrics: must list at least one metric name or pattern (leave allow_metrics out to pass every metric)"),
        ("cloudflared: {deny_metrics: [go_.*, \"(\"]}",
         "vandine.yml:5:41: modules.cf.cloudflared.deny_metrics[1]: invalid metric name or regular expression \"(\": Unmatched ( or \\("),
        ("cloudflared: {allow_metrics: build_info}",
         "vandine.yml:5:34: modules.cf.cloudflared.allow_metrics: must be a list, got build_info"),
        ("cloudflared: {preferred_ip_protocol: ip5}",
         "vandine.yml:5:42: modules.cf.cloudflared.preferred_ip_protocol: must be ip4 or ip6, got ip5"),
        ("cloudflared: {port: 20241}",
         "vandine.yml:5:19: modules.cf.cloudflared.port: unknown key \"port\" (known keys: address, allow_metrics, body_size_limit, deny_metrics, ip_protocol_fallback, preferred_ip_protocol)"),
    ])
    func invalid(_ section: String, _ expected: String) {
        do {
            _ = try Self.load("modules:\n  # tunnel\n  cf:\n    prober: cloudflared\n    \(section)\n")
            Issue.record("loaded: \(section)")
        } catch {
            #expect(error.description == expected || error.description.hasPrefix(expected + " ") || error.description.hasPrefix(expected + ":"),
                    "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func theEmbeddedDefaultProbesLocalhostWithAnAutoAddress() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(), file: DefaultConfig.fileName)
        let module = try #require(config.modules["cloudflared"])
        #expect(module.options == .cloudflared(CloudflaredOptions()))
        let device = try #require(config.devices.first { $0.name == "localhost" })
        #expect(device.modules.contains("cloudflared"))
    }
}
