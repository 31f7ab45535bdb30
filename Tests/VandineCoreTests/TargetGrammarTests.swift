import Testing
@testable import VandineCore

/// The target grammar (DESIGN.md: Go's SplitHostPort, strict host names): what is checked against
/// `allowed_targets` must be exactly what is resolved, so every hostile spelling is refused.
@Suite struct TargetGrammarTests {
    @Test(arguments: [
        ("pi1", "pi1", nil, nil), ("pi1:22", "pi1", nil, 22), ("127.0.0.1:9100", "127.0.0.1", nil, 9100),
        ("[::1]:22", "::1", nil, 22), ("[::1]", "::1", nil, nil), ("fe80::1", "fe80::1", nil, nil),
        ("[fe80::1%eth0]:22", "fe80::1", "eth0", 22), ("host_name.lan.", "host_name.lan.", nil, nil),
        ("db-1.corp.lan:5432", "db-1.corp.lan", nil, 5432),
    ] as [(String, String, String?, Int?)])
    func accepts(_ text: String, _ host: String, _ zone: String?, _ port: Int?) throws {
        let parsed = try HostPort.parse(text).get()
        #expect(parsed.host == host)
        #expect(parsed.zone == zone)
        #expect(parsed.port == port)
    }

    /// Hostile or malformed spellings, with the reason each must give.
    @Test(arguments: [
        ("internal-db.corp\u{0}.lan:22", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0x00"),
        ("127.0.0.1\u{0}junk:18080", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0x00"),
        ("127.0.0.1\u{0}18080", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0x00"),
        ("[::1\u{0}x]:22", "\"::1\\x00x\" in brackets is not an IPv6 address"),
        ("internal-db.corp\t.lan", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0x09"),
        ("pi1\r\nHost: evil", "port must be 1-65535, got \" evil\""),
        ("a b", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0x20"),
        ("internal-db.corp%00.lan:22", "host name may hold letters, digits, '.', '-' and '_' only, found '%'"),
        ("127.0.0.1%3A22", "host name may hold letters, digits, '.', '-' and '_' only, found '%'"),
        ("caf\u{e9}.lan", "host name may hold letters, digits, '.', '-' and '_' only, found byte 0xC3"),
        ("0x7f.0.0.1", "\"0x7f.0.0.1\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("0x7f000001:22", "\"0x7f000001\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("0177.0.0.1", "\"0177.0.0.1\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("127.1", "\"127.1\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("2130706433", "\"2130706433\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("127.000.000.001", "\"127.000.000.001\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("1.2.3.4.5", "\"1.2.3.4.5\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("pi1:+22", "port must be 1-65535, got \"+22\""),
        ("pi1: 22", "port must be 1-65535, got \" 22\""),
        ("pi1:0", "port must be 1-65535, got \"0\""),
        ("pi1:65536", "port must be 1-65535, got \"65536\""),
        ("pi1:ssh", "port must be 1-65535, got \"ssh\""),
        (":22", "host is empty"),
        ("[pi1]:22", "\"pi1\" in brackets is not an IPv6 address"),
        ("[127.0.0.1]:22", "\"127.0.0.1\" in brackets is not an IPv6 address"),
        ("[::1", "missing ']' in \"[::1\""),
        ("[fe80::1%eth0\u{0}]:22", "invalid IPv6 zone \"eth0\\x00\""),
        ("1:2:3:zz", "\"1:2:3:zz\" has too many colons (write IPv6 with a port as [v6]:port)"),
        ("a..b", "host name has an empty label"),
        ("", "target is empty"),
    ])
    func refuses(_ text: String, _ reason: String) {
        guard case let .failure(error) = HostPort.parse(text) else {
            Issue.record("\(text.debugDescription) was accepted")
            return
        }
        #expect(error.description == reason)
        #expect(!error.description.utf8.contains(where: { $0 < 0x20 }), "reasons are one printable line")
    }

    @Test func ipv4MappedIPv6IsComparedAsIPv4() {
        let mapped = IPAddress("::ffff:127.0.0.1")!
        #expect(mapped.unmappingIPv4 == IPAddress("127.0.0.1"))
        #expect(IPAddress("::1")!.unmappingIPv4 == IPAddress("::1"))
        let allowlist = TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!])
        #expect(allowlist.allows(host: "::ffff:127.0.0.1"))
        #expect(!allowlist.allows(host: "::ffff:10.0.0.1"))
        #expect(!TargetAllowlist(networks: [IPNetwork("::/0")!]).allows(host: "::ffff:10.0.0.1"),
                "a mapped address is an IPv4 host: an IPv6-wide rule does not reach it")
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080/-/healthy", "http", "127.0.0.1", 8080, "/-/healthy"),
        ("127.0.0.1/x?y=1", "http", "127.0.0.1", 80, "/x?y=1"),
        ("HTTPS://pi1.lan", "https", "pi1.lan", 443, ""),
        ("https://[::1]:8443/", "https", "::1", 8443, "/"),
    ] as [(String, String, String, Int, String)])
    func urlsParse(_ text: String, _ scheme: String, _ host: String, _ port: Int, _ rest: String) throws {
        let url = try TargetURL.parse(text).get()
        #expect(url.scheme == scheme)
        #expect(url.authority.host == host)
        #expect(url.port == port)
        #expect(url.rest == rest)
    }

    @Test(arguments: [
        ("http://user:pw@127.0.0.1/", "credentials in the URL are not allowed (use the module's basic_auth)"),
        ("http://127.0.0.1@evil.lan/", "credentials in the URL are not allowed (use the module's basic_auth)"),
        ("ftp://127.0.0.1/", "URL scheme must be http or https, got \"ftp\""),
        ("http://db.corp\u{0}.lan/", "URL \"http://db.corp\\x00.lan/\" contains byte 0x00"),
        ("http://a b/", "URL \"http://a b/\" contains byte 0x20"),
        ("http://0x7f.1/", "\"0x7f.1\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"),
        ("http://::1/", "an IPv6 host in a URL must be in brackets"),
    ])
    func urlsRefused(_ text: String, _ reason: String) {
        guard case let .failure(error) = TargetURL.parse(text) else {
            Issue.record("\(text.debugDescription) was accepted")
            return
        }
        #expect(error.description == reason)
    }
}
