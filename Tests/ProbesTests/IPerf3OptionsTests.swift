import Testing
import VandineCore

/// The `iperf3` section: every key parsed, rendered back, and one exact line per bad value.
@Suite struct IPerf3OptionsTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    @Test func everyKeyIsRead() throws {
        let config = try Self.load("""
        modules:
          iperf3_udp:
            prober: iperf3
            timeout: 15s
            interval: 30m
            iperf3:
              protocol: udp
              bitrate: 2.5M
              reverse: true
              parallel: 4
              duration: 10s
              omit: 2s
              port: 5202
              bind: 127.0.0.1
              binary: /usr/bin/iperf3
              preferred_ip_protocol: ip4
              ip_protocol_fallback: false
        """)
        let module = try #require(config.modules["iperf3_udp"])
        #expect(module.interval == .seconds(1800))
        guard case let .iperf3(options) = module.options else { Issue.record("not iperf3"); return }
        #expect(options == IPerf3Options(transport: .udp, bitrate: 2_500_000, reverse: true, parallel: 4, duration: .seconds(10),
                                         omit: .seconds(2), port: 5202, bind: "127.0.0.1", binary: "/usr/bin/iperf3",
                                         ipProtocol: IPProtocolPreference(preferred: .ip4, fallback: false)))
        #expect(options.render() == """
        protocol: udp
        bitrate: 2500000
        reverse: true
        parallel: 4
        duration: 10s
        omit: 2s
        port: 5202
        bind: 127.0.0.1
        binary: /usr/bin/iperf3
        preferred_ip_protocol: ip4
        ip_protocol_fallback: false

        """)
    }

    @Test func defaultsFitTheDefaultTimeout() throws {
        let config = try Self.load("modules:\n  m:\n    prober: iperf3\n")
        guard case let .iperf3(options) = try #require(config.modules["m"]).options else { Issue.record("not iperf3"); return }
        #expect(options == IPerf3Options())
        #expect(options.transport == .tcp && options.port == 5201 && options.duration == .seconds(3) && options.parallel == 1)
    }

    @Test(arguments: [
        ("500K", 500_000 as UInt64?), ("100M", 100_000_000), ("1G", 1_000_000_000), ("1g", 1_000_000_000), ("2.5M", 2_500_000),
        ("64000", 64_000), ("0", nil), ("", nil), ("M", nil), ("10X", nil), ("-5M", nil), ("1e3", nil), ("2000T", nil),
    ])
    func bitrates(_ text: String, _ expected: UInt64?) {
        #expect(IPerf3Options.parseBitrate(text) == expected)
    }

    @Test(arguments: [
        ("iperf3: {protocol: sctp}", "vandine.yml:5:24: modules.m.iperf3.protocol: must be tcp or udp, got sctp"),
        ("iperf3: {bitrate: fast}", "vandine.yml:5:23: modules.m.iperf3.bitrate: must be bits per second like 500K, 100M or 1G (a number, optionally with K, M, G or T), got fast"),
        ("iperf3: {parallel: 0}", "vandine.yml:5:24: modules.m.iperf3.parallel: must be 1-128, got 0"),
        ("iperf3: {parallel: 129}", "vandine.yml:5:24: modules.m.iperf3.parallel: must be 1-128, got 129"),
        ("iperf3: {duration: 1500ms}", "vandine.yml:5:24: modules.m.iperf3.duration: must be whole seconds from 1s to 3600s, got 1500ms"),
        ("iperf3: {duration: 0s}", "vandine.yml:5:24: modules.m.iperf3.duration: must be whole seconds from 1s to 3600s, got 0s"),
        ("iperf3: {duration: 2h}", "vandine.yml:5:24: modules.m.iperf3.duration: must be whole seconds from 1s to 3600s, got 2h"),
        ("iperf3: {omit: 1.5s}", "vandine.yml:5:20: modules.m.iperf3.omit: must be a duration like 500ms, 10s or 1m30s, got 1.5s"),
        ("iperf3: {port: 0}", "vandine.yml:5:20: modules.m.iperf3.port: must be 1-65535, got 0"),
        ("iperf3: {bind: eth0}", "vandine.yml:5:20: modules.m.iperf3.bind: must be an IP address, got eth0"),
        ("iperf3: {reverse: maybe}", "vandine.yml:5:23: modules.m.iperf3.reverse: must be true or false, got maybe"),
        ("iperf3: {binary: \"\"}", "vandine.yml:5:22: modules.m.iperf3.binary: must not be empty"),
        ("iperf3: {window: 1M}", "vandine.yml:5:14: modules.m.iperf3.window: unknown key \"window\""),
        ("iperf3: {duration: 5s}", "vandine.yml:4:5: modules.m: an iperf3 test of duration 5s needs 6s with setup, which does not fit in the module timeout of 5s: lower duration or raise timeout to at least 6s"),
        ("timeout: 10s\n    iperf3: {duration: 8s, omit: 2s}", "vandine.yml:5:14: modules.m.timeout: an iperf3 test of omit 2s + duration 8s needs 11s with setup, which does not fit in the module timeout of 10s: lower duration or raise timeout to at least 11s"),
    ])
    func invalid(_ section: String, _ expected: String) {
        let yaml = "modules:\n  # iperf3\n  m:\n    prober: iperf3\n    \(section)\n"
        do {
            _ = try Self.load(yaml)
            Issue.record("loaded: \(section)")
        } catch {
            // Unknown-key errors list the known keys after what is compared here.
            #expect(error.description == expected || error.description.hasPrefix(expected + " "), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}
