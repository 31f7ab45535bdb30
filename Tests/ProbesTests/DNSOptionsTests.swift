import Testing
import VandineCore

/// The `dns` section: blackbox_exporter's documented modules load unchanged; bad values give one
/// exact line.
@Suite struct DNSOptionsTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "blackbox.yml")
    }

    static func dns(_ config: ExporterConfig, _ name: String) throws -> DNSOptions {
        guard case let .dns(options) = try #require(config.modules[name]).options else {
            Issue.record("module \(name) is not a dns module")
            throw ConfigError(file: "", line: nil, column: nil, path: "", message: "not dns")
        }
        return options
    }

    /// The dns modules of blackbox_exporter's example.yml, as written there.
    static let blackboxExample = """
    modules:
      dns_udp_example:
        prober: dns
        timeout: 5s
        dns:
          query_name: "www.prometheus.io"
          query_type: "A"
          valid_rcodes:
            - NOERROR
          validate_answer_rrs:
            fail_if_matches_regexp:
              - ".*127.0.0.1"
            fail_if_all_match_regexp:
              - ".*127.0.0.1"
            fail_if_not_matches_regexp:
              - "www.prometheus.io.\\t300\\tIN\\tA\\t127.0.0.1"
            fail_if_none_matches_regexp:
              - "127.0.0.1"
          validate_authority_rrs:
            fail_if_matches_regexp:
              - ".*127.0.0.1"
          validate_additional_rrs:
            fail_if_matches_regexp:
              - ".*127.0.0.1"
      dns_soa:
        prober: dns
        dns:
          query_name: "prometheus.io"
          query_type: "SOA"
      dns_tcp_example:
        prober: dns
        dns:
          transport_protocol: "tcp" # defaults to "udp"
          preferred_ip_protocol: "ip4" # defaults to "ip6"
          query_name: "www.prometheus.io"

    """

    @Test func blackboxExampleModulesLoad() throws {
        let config = try Self.load(Self.blackboxExample)
        let udp = try Self.dns(config, "dns_udp_example")
        #expect(udp.queryName == "www.prometheus.io")
        #expect(udp.queryType == "A" && udp.queryTypeCode == 1)
        #expect(udp.queryClass == "IN" && udp.queryClassCode == 1)
        #expect(udp.transportProtocol == .udp)
        #expect(udp.recursionDesired)
        #expect(udp.validRcodes == ["NOERROR"])
        #expect(udp.validateAnswer.failIfMatches.map(\.pattern) == [".*127.0.0.1"])
        #expect(udp.validateAnswer.failIfAllMatch.map(\.pattern) == [".*127.0.0.1"])
        #expect(udp.validateAnswer.failIfNotMatches.map(\.pattern) == ["www.prometheus.io.\t300\tIN\tA\t127.0.0.1"])
        #expect(udp.validateAnswer.failIfNoneMatches.map(\.pattern) == ["127.0.0.1"])
        #expect(udp.validateAuthority.failIfMatches.count == 1 && udp.validateAdditional.failIfMatches.count == 1)
        #expect(udp.ipProtocol == IPProtocolPreference(preferred: .ip6, fallback: true))

        let soa = try Self.dns(config, "dns_soa")
        #expect(soa.queryTypeCode == 6)
        let tcp = try Self.dns(config, "dns_tcp_example")
        #expect(tcp.transportProtocol == .tcp)
        #expect(tcp.queryType == "ANY" && tcp.queryTypeCode == 255)
        #expect(tcp.ipProtocol.preferred == .ip4)
    }

    @Test func everyOptionAndRenderRoundTrip() throws {
        let config = try Self.load("""
        modules:
          full:
            prober: dns
            dns:
              query_name: version.bind
              query_type: txt
              query_class: CH
              transport_protocol: tcp
              recursion_desired: false
              valid_rcodes: [NOERROR, nxdomain, SERVFAIL, REFUSED]
              source_ip_address: 127.0.0.1
              ip_protocol_fallback: false
              dns_over_tls: false
              validate_additional_rrs:
                fail_if_none_matches_regexp: ["(?i)bind"]

        """)
        let full = try Self.dns(config, "full")
        #expect(full.queryType == "TXT" && full.queryTypeCode == 16)
        #expect(full.queryClass == "CH" && full.queryClassCode == 3)
        #expect(!full.recursionDesired)
        #expect(full.validRcodes == ["NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED"])
        #expect(full.validRcodeValues == [0, 3, 2, 5])
        #expect(full.sourceIPAddress == "127.0.0.1")
        #expect(!full.ipProtocol.fallback)
        #expect(full.validateAdditional.failIfNoneMatches.count == 1)

        let rendered = ConfigRenderer.render(config)
        let again = try Self.load(rendered)
        #expect(again.modules == config.modules, "\(rendered)")
        let example = try Self.load(Self.blackboxExample)
        #expect(try Self.load(ConfigRenderer.render(example)).modules == example.modules)
    }

    @Test func genericTypeSyntax() throws {
        let config = try Self.load("modules:\n  m:\n    prober: dns\n    dns:\n      query_name: example.com\n      query_type: TYPE65280\n")
        #expect(try Self.dns(config, "m").queryTypeCode == 65280)
    }

    @Test(arguments: [
        ("dns: {query_type: A}", "blackbox.yml:5:10: modules.m.dns: missing required key \"query_name\""),
        ("timeout: 5s", "blackbox.yml:4:5: modules.m: a dns module needs a dns section with query_name"),
        ("dns: {query_name: \"\"}", "blackbox.yml:5:23: modules.m.dns.query_name: must not be empty"),
        ("dns: {query_name: a..b}", "blackbox.yml:5:23: modules.m.dns.query_name: must be a domain name without empty labels, got a..b"),
        ("dns: {query_name: x, query_type: FOO}", "blackbox.yml:5:38: modules.m.dns.query_type: must be a DNS record type such as A, AAAA, MX, SOA or ANY, got FOO"),
        ("dns: {query_name: x, query_class: INET}", "blackbox.yml:5:39: modules.m.dns.query_class: must be a DNS class (IN, CH, HS, CS, NONE or ANY), got INET"),
        ("dns: {query_name: x, valid_rcodes: [NOERROR, NOPE]}", "blackbox.yml:5:50: modules.m.dns.valid_rcodes[1]: must be a DNS response code such as NOERROR, NXDOMAIN, SERVFAIL or REFUSED, got NOPE"),
        ("dns: {query_name: x, transport_protocol: sctp}", "blackbox.yml:5:46: modules.m.dns.transport_protocol: must be udp or tcp, got sctp"),
        ("dns: {query_name: x, dns_over_tls: true}", "blackbox.yml:5:40: modules.m.dns.dns_over_tls: DNS over TLS is not supported; use transport_protocol udp or tcp"),
        ("dns: {query_name: x, source_ip_address: nope}", "blackbox.yml:5:45: modules.m.dns.source_ip_address: must be an IP address, got nope"),
        ("dns: {query_name: x, recursion: true}", "blackbox.yml:5:26: modules.m.dns.recursion: unknown key \"recursion\""),
        ("dns: {query_name: x, validate_answer_rrs: {fail_if_matches: [a]}}", "blackbox.yml:5:48: modules.m.dns.validate_answer_rrs.fail_if_matches: unknown key \"fail_if_matches\""),
        ("dns: {query_name: x, validate_answer_rrs: {fail_if_matches_regexp: [\"(\"]}}", "blackbox.yml:5:73: modules.m.dns.validate_answer_rrs.fail_if_matches_regexp[0]: invalid regular expression ("),
    ])
    func invalid(_ section: String, _ expected: String) {
        let yaml = "modules:\n  # dns\n  m:\n    prober: dns\n    \(section)\n"
        do {
            _ = try Self.load(yaml)
            Issue.record("loaded: \(section)")
        } catch {
            // Unknown-key errors list the known keys and regex errors carry glibc's reason after
            // what is compared here.
            #expect(error.description == expected || error.description.hasPrefix(expected + " ") || error.description.hasPrefix(expected + ":"),
                    "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}
