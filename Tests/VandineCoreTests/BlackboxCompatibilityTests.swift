import Foundation
import Testing
@testable import VandineCore

/// A `modules:` section copied from blackbox_exporter's documented example.yml loads unchanged;
/// the options we do not support are refused with one line naming them.
@Suite struct BlackboxCompatibilityTests {
    static let path = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/blackbox/blackbox-example.yml").path

    @Test func documentedModulesLoadUnchanged() throws {
        let config = try ConfigLoader(environment: [:]).load(path: Self.path)
        #expect(config.modules.keys.sorted() == [
            "dns_soa", "dns_tcp_example", "dns_udp_example", "http_2xx_example", "http_any_response_example",
            "http_basic_auth_example", "http_gzip", "http_gzip_with_accept_encoding", "http_post_2xx", "http_with_proxy",
            "icmp_example", "icmp_ttl5", "imap_starttls", "irc_banner_example", "smtp_starttls", "tcp_connect_example", "tls_connect",
        ])
        guard case let .http(http) = config.modules["http_2xx_example"]?.options else { Issue.record("not http"); return }
        #expect(http.validHTTPVersions == ["HTTP/1.1", "HTTP/2.0"])
        #expect(http.headers.map(\.name) == ["Host", "Accept-Language", "Origin"])
        #expect(http.failIfHeaderMatches.first?.allowMissing == true)
        #expect(http.ipProtocol == IPProtocolPreference(preferred: .ip4, fallback: false))
        guard case let .tcp(irc) = config.modules["irc_banner_example"]?.options else { Issue.record("not tcp"); return }
        #expect(irc.queryResponse.count == 4)
        #expect(irc.queryResponse[2].send == "PONG ${1}" && irc.queryResponse[2].expect?.pattern == "PING :([^ ]+)")
        guard case let .tcp(tcpDefault) = config.modules["tcp_connect_example"]?.options else { Issue.record("not tcp"); return }
        #expect(tcpDefault.ipProtocol == IPProtocolPreference(preferred: .ip6, fallback: true), "blackbox's defaults")
        #expect(config.modules["http_gzip"]?.timeout == .seconds(5), "blackbox's default timeout")
        guard case let .icmp(icmp) = config.modules["icmp_example"]?.options, case let .icmp(ttl5) = config.modules["icmp_ttl5"]?.options else {
            Issue.record("not icmp"); return
        }
        #expect(icmp.ipProtocol.preferred == .ip4 && icmp.sourceIPAddress == "127.0.0.1")
        #expect(icmp.packets == 1 && icmp.payloadSize == 28, "one packet of blackbox's 28 bytes, as blackbox sends")
        #expect(ttl5.ttl == 5)
    }

    @Test func credentialsInHeadersAndProxyURLsAreRedactedWhenRendered() throws {
        let yaml = """
            modules:
              web:
                prober: http
                http:
                  headers: {Authorization: "Bearer abc123", Accept: text/html}
                  proxy_url: "http://puser:ProxyPW_555@127.0.0.1:3128/"
            """
        let config = try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "v.yml")
        let rendered = ConfigRenderer.render(config)
        #expect(!rendered.contains("abc123") && !rendered.contains("ProxyPW_555"))
        #expect(rendered.contains("proxy_url: \"http://puser:<secret>@127.0.0.1:3128/\""))
        #expect(rendered.contains("Authorization: \"<secret>\"") && rendered.contains("Accept: \"text/html\""))
    }

    /// The documented modules we cannot honour, each refused with the line that names why.
    @Test(arguments: [
        ("  http_with_proxy_and_headers:\n    prober: http\n    http:\n      proxy_url: \"http://127.0.0.1:3128\"\n      proxy_connect_header:\n        Proxy-Authorization:\n          - Bearer token\n",
         "6:7: modules.http_with_proxy_and_headers.http.proxy_connect_header: unknown key \"proxy_connect_header\""),
        ("  http_json_cel_match:\n    prober: http\n    timeout: 5s\n    http:\n      method: GET\n      fail_if_body_json_not_matches_cel: \"body.foo == 'bar'\"\n",
         "7:7: modules.http_json_cel_match.http.fail_if_body_json_not_matches_cel: unknown key \"fail_if_body_json_not_matches_cel\""),
        ("  oauth:\n    prober: http\n    http:\n      oauth2:\n        client_id: \"client_id\"\n",
         "5:7: modules.oauth.http.oauth2: unknown key \"oauth2\""),
        ("  http_post_body_file:\n    prober: http\n    timeout: 5s\n    http:\n      method: POST\n      body_file: \"/files/body.txt\"\n",
         "7:18: modules.http_post_body_file.http.body_file: cannot read file /files/body.txt"),
    ])
    func unsupportedOptionsAreRefusedByName(_ module: String, _ expected: String) {
        do {
            _ = try ConfigLoader(environment: [:]).parse(yaml: "modules:\n" + module, file: "blackbox.yml")
            Issue.record("loaded")
        } catch {
            #expect(error.description.hasPrefix("blackbox.yml:" + expected), "\(error.description)")
        }
    }
}
