import CurlClient
import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The http prober against real HTTP and HTTPS servers on loopback (TestSupport's HTTPTestServer).
@Suite(.serialized) struct HTTPProberTests {
    static let engine = CurlEngine()
    /// Redirects may go to 127.0.0.0/8 only.
    static let loopbackOnly = ExporterConfig(allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))

    static func module(timeout: PrometheusDuration = .seconds(3), _ change: (inout HTTPOptions) -> Void = { _ in }) -> ModuleConfig {
        var options = HTTPOptions()
        options.ipProtocol = IPProtocolPreference(preferred: .ip4)
        change(&options)
        return ModuleConfig(name: "http_2xx", timeout: timeout, options: .http(options))
    }

    /// Probes `url` (parsed as `/probe` would) and returns the result, the metrics and the log.
    static func probe(_ url: String, _ module: ModuleConfig = module()) async throws -> (success: Bool, metrics: MetricSet, log: ProbeLog) {
        let parsed = try TargetURL.parse(url).get()
        let target = ProbeTarget(endpoint: HostPort(host: parsed.authority.host, port: parsed.port), url: parsed)
        let log = ProbeLog()
        let context = ProbeContext(target: target, module: module, log: log, deadline: .now + module.timeout.duration,
                                   policy: TargetAuthorizer(config: loopbackOnly))
        let success = await HTTPProber(engine: engine).probe(context)
        return (success, context.metrics.snapshot, log)
    }

    @Test func http2xxAgainstARealServer() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let result = try await Self.probe(server.url("/fixed"))
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.sample(named: "probe_http_status_code") == 200)
        #expect(m.sample(named: "probe_http_content_length") == 5)
        #expect(m.sample(named: "probe_http_uncompressed_body_length") == 5)
        #expect(m.sample(named: "probe_http_redirects") == 0)
        #expect(m.sample(named: "probe_http_ssl") == 0)
        #expect(m.sample(named: "probe_http_version") == 1.1)
        #expect(m.sample(named: "probe_failed_due_to_regex") == 0)
        #expect(m.sample(named: "probe_ip_protocol") == 4)
        for phase in ["resolve", "connect", "tls", "processing", "transfer"] {
            #expect(m.sample(named: "probe_http_duration_seconds", labels: ["phase": phase]) != nil, "phase \(phase)")
        }
        #expect((m.sample(named: "probe_http_duration_seconds", labels: ["phase": "connect"]) ?? 0) > 0)
        #expect(m.sample(named: "probe_http_duration_seconds", labels: ["phase": "tls"]) == 0)
        let promtool = try await Command.runOffPool("promtool", ["check", "metrics"], input: ExpositionEncoder.encode(m.families))
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")
    }

    @Test func refusedConnectionStillReportsBlackboxsZeroes() async throws {
        let closed = try ClosedTCPPort()
        let port = closed.port
        let result = try await Self.probe("http://127.0.0.1:\(port)/")
        #expect(!result.success)
        for name in ["probe_http_status_code", "probe_http_content_length", "probe_http_redirects", "probe_http_ssl",
                     "probe_http_version", "probe_failed_due_to_regex"] {
            #expect(result.metrics.sample(named: name) == 0, "\(name)")
        }
        #expect(result.log.failureReason?.contains("onnection refused") == true, "\(result.log.entries)")
    }

    @Test func statusCodesFollowValidStatusCodes() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let notFound = try await Self.probe(server.url("/status/404"))
        #expect(!notFound.success)
        #expect(notFound.metrics.sample(named: "probe_http_status_code") == 404)
        #expect(notFound.log.failureReason == "invalid HTTP response status code 404, wanted 2xx")
        #expect(try await Self.probe(server.url("/status/404"), Self.module { $0.validStatusCodes = [404] }).success)
        #expect(try await Self.probe(server.url("/status/503"), Self.module { $0.acceptAnyResponse = true }).success)
    }

    @Test func redirectsFollowedOrNot() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let followed = try await Self.probe(server.url("/redirect/3"))
        #expect(followed.success)
        #expect(followed.metrics.sample(named: "probe_http_redirects") == 3)
        let stopped = try await Self.probe(server.url("/redirect/3"), Self.module { $0.followRedirects = false })
        #expect(!stopped.success)
        #expect(stopped.metrics.sample(named: "probe_http_status_code") == 302)
        // A redirect may go only where a /probe request could: ::1 is not in the allowlist.
        let escape = try await Self.probe(server.url("/to?url=http://[::1]:\(server.port)/fixed"))
        #expect(!escape.success)
        #expect(escape.log.failureReason == "redirect refused: target \"::1\" is not a configured device and not in allowed_targets")
        #expect(escape.metrics.sample(named: "probe_http_status_code") == 302)
        let allowed = try await Self.probe(server.url("/to?url=http://127.0.0.1:\(server.port)/fixed"))
        #expect(allowed.success)
        #expect(allowed.metrics.sample(named: "probe_http_redirects") == 1)
        #expect(allowed.metrics.sample(named: "probe_http_status_code") == 200)
        let loop = try await Self.probe(server.url("/loop"))
        #expect(!loop.success)
        #expect(loop.log.failureReason?.contains("too many redirects") == true, "\(loop.log.entries)")
    }

    @Test func bodyAndHeaderRegexes() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let url = server.url("/fixed")
        func check(_ change: (inout HTTPOptions) -> Void) async throws -> (Bool, Double?, String?) {
            let result = try await Self.probe(url, Self.module(change))
            return (result.success, result.metrics.sample(named: "probe_failed_due_to_regex"), result.log.failureReason)
        }
        let matches = try await check { $0.failIfBodyMatches = [RegularExpression("hel+o")!] }
        #expect(matches.0 == false && matches.1 == 1)
        #expect(matches.2 == "body matched regular expression \"hel+o\"")
        #expect(try await check { $0.failIfBodyMatches = [RegularExpression("database error")!] }.0)
        #expect(try await check { $0.failIfBodyNotMatches = [RegularExpression("^hello$")!] }.0)
        #expect(try await check { $0.failIfBodyNotMatches = [RegularExpression("absent")!] }.1 == 1)
        let header = HTTPOptions.HeaderMatch.self
        #expect(try await check { $0.failIfHeaderMatches = [header.init(header: "x-test", regexp: RegularExpression("^one$")!, allowMissing: false)] }.1 == 1,
                "header names match case-insensitively")
        #expect(try await check { $0.failIfHeaderMatches = [header.init(header: "X-Multi", regexp: RegularExpression("^b$")!, allowMissing: false)] }.1 == 1,
                "any value of a repeated header counts")
        #expect(try await check { $0.failIfHeaderMatches = [header.init(header: "Set-Cookie", regexp: RegularExpression(".*")!, allowMissing: true)] }.0)
        #expect(try await check { $0.failIfHeaderNotMatches = [header.init(header: "X-Missing", regexp: RegularExpression(".*")!, allowMissing: false)] }.2
                == "missing required header X-Missing")
        #expect(try await check { $0.failIfHeaderNotMatches = [header.init(header: "Content-Type", regexp: RegularExpression("^text/")!, allowMissing: false)] }.0)
    }

    @Test func requestCarriesMethodHeadersBodyAndCredentials() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let result = try await Self.probe(server.url("/echo"), Self.module {
            $0.method = "POST"
            $0.headers = [("Content-Type", "application/json"), ("X-Probe", "vandine")]
            $0.body = "{}"
            $0.basicAuth = ("prober", Secret("s3cret"))
            $0.failIfBodyNotMatches = [
                RegularExpression(#""method": "POST""#)!, RegularExpression(#""body": "\{\}""#)!,
                RegularExpression(#"\["X-Probe", "vandine"\]"#)!,
                RegularExpression(#"\["Authorization", "Basic cHJvYmVyOnMzY3JldA=="\]"#)!,
            ]
        })
        #expect(result.success, "\(result.log.entries)")
        let bearer = try await Self.probe(server.url("/echo"), Self.module {
            $0.bearerToken = Secret("t0ken")
            $0.failIfBodyNotMatches = [RegularExpression(#"\["Authorization", "Bearer t0ken"\]"#)!]
        })
        #expect(bearer.success)
        #expect(!bearer.log.entries.joined().contains("t0ken"), "secrets stay out of the probe log")
    }

    @Test func compressionIsDecoded() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let result = try await Self.probe(server.url("/gzip"), Self.module { $0.compression = "gzip" })
        #expect(result.success)
        #expect(result.metrics.sample(named: "probe_http_uncompressed_body_length") == 1600)
        #expect((result.metrics.sample(named: "probe_http_content_length") ?? 0) < 1600)
    }

    @Test func lastModifiedAndVersionChecks() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let result = try await Self.probe(server.url("/lastmod"))
        #expect(result.metrics.sample(named: "probe_http_last_modified_timestamp_seconds") == 784_111_777)
        let h2only = try await Self.probe(server.url("/fixed"), Self.module { $0.validHTTPVersions = ["HTTP/2.0"] })
        #expect(!h2only.success)
        #expect(h2only.log.failureReason == "invalid HTTP version HTTP/1.1, wanted HTTP/2.0")
        #expect(try await Self.probe(server.url("/fixed"), Self.module { $0.validHTTPVersions = ["HTTP/1.1"] }).success)
        let notSSL = try await Self.probe(server.url("/fixed"), Self.module { $0.failIfNotSSL = true })
        #expect(!notSSL.success)
    }

    @Test func httpsReportsTheCertificateAsBlackboxDoes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: ca.serverCertificate, key: ca.serverKey)
        defer { server.stop() }
        let url = server.url("/fixed", scheme: "https")
        let trusted = Self.module { $0.tlsConfig = TLSClientConfig(caFile: ca.certificate) }
        let result = try await Self.probe(url, trusted)
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.sample(named: "probe_http_ssl") == 1)
        #expect((m.sample(named: "probe_http_duration_seconds", labels: ["phase": "tls"]) ?? 0) > 0)
        #expect(m.sample(named: "probe_tls_version_info", labels: ["version": "TLS 1.3"]) == 1)
        let fingerprint = try await Command.runOffPool("openssl", ["x509", "-in", ca.serverCertificate, "-noout", "-fingerprint", "-sha256"])
            .stdout.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        let info = m.family(named: "probe_ssl_last_chain_info")?.samples.first?.labels ?? [:]
        #expect(info["fingerprint_sha256"] == fingerprint)
        #expect(info["subject"] == "CN=127.0.0.1")
        #expect(info["issuer"] == "CN=vandine-test-ca")
        #expect(info["subjectalternative"] == "", "DNS names only, as blackbox (the test certificate has an IP SAN)")
        let serial = try await Command.runOffPool("openssl", ["x509", "-in", ca.serverCertificate, "-noout", "-serial"])
            .stdout.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        #expect(info["serialnumber"] == serial, "whole bytes, as blackbox's %x of SerialNumber.Bytes()")
        #expect(m.family(named: "probe_tls_cipher_info")?.samples.first?.labels["cipher"]?.hasPrefix("TLS_") == true)
        let expiry = try #require(m.sample(named: "probe_ssl_earliest_cert_expiry"))
        #expect(abs(expiry - Date().addingTimeInterval(86400).timeIntervalSince1970) < 600, "the test certificate lasts one day")
        #expect(m.sample(named: "probe_ssl_last_chain_expiry_timestamp_seconds") != nil)
        let promtool = try await Command.runOffPool("promtool", ["check", "metrics"], input: ExpositionEncoder.encode(m.families))
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")

        let untrusted = try await Self.probe(url)
        #expect(!untrusted.success)
        #expect(untrusted.log.failureReason?.contains("certificate") == true, "\(untrusted.log.entries)")
        let failIfSSL = try await Self.probe(url, Self.module {
            $0.tlsConfig = TLSClientConfig(caFile: ca.certificate)
            $0.failIfSSL = true
        })
        #expect(!failIfSSL.success)
        #expect(failIfSSL.log.failureReason == "final request was over SSL and fail_if_ssl is set")
    }

    @Test func tls12CipherHasItsIANAName() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: ca.serverCertificate, key: ca.serverKey, maxTLS: "1.2")
        defer { server.stop() }
        let result = try await Self.probe(server.url("/fixed", scheme: "https"), Self.module { $0.tlsConfig = TLSClientConfig(caFile: ca.certificate) })
        #expect(result.success)
        #expect(result.metrics.sample(named: "probe_tls_version_info", labels: ["version": "TLS 1.2"]) == 1)
        let cipher = result.metrics.family(named: "probe_tls_cipher_info")?.samples.first?.labels["cipher"] ?? ""
        #expect(cipher.hasPrefix("TLS_ECDHE_") && cipher.contains("_WITH_"), "Go's name, not OpenSSL's: \(cipher)")
    }

    @Test func hostileLastModifiedIsIgnored() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 99999999999 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov -9223372036854775808 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("garbage") == nil)
    }

    @Test func expiredCertificateFailsUnlessVerificationIsSkipped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificates(in: directory)
        let expired = try ExpiredCertificate(signedBy: ca, in: directory)
        let server = try await HTTPTestServer.start(certificate: expired.certificate, key: expired.key)
        defer { server.stop() }
        let url = server.url("/fixed", scheme: "https")
        let strict = try await Self.probe(url, Self.module { $0.tlsConfig = TLSClientConfig(caFile: ca.certificate) })
        #expect(!strict.success)
        #expect(strict.log.failureReason?.contains("expired") == true, "\(strict.log.entries)")
        let lax = try await Self.probe(url, Self.module { $0.tlsConfig = TLSClientConfig(insecureSkipVerify: true) })
        #expect(lax.success)
        let expiry = try #require(lax.metrics.sample(named: "probe_ssl_earliest_cert_expiry"))
        #expect(expiry < Date().timeIntervalSince1970, "an expired certificate's expiry is in the past")
    }

    @Test func stallMidBodyIsCutAtTheDeadlineAndKeepsWhatWasMeasured() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let config = ExporterConfig(modules: ["http_2xx": Self.module(timeout: .seconds(1))],
                                    allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!]))
        let handler = ProbeHandler(probers: registry(HTTPProber(engine: Self.engine)))
        let start = ContinuousClock.now
        let response = await handler.handle(ProbeRequest(target: server.url("/stall"), module: "http_2xx"), config: config)
        #expect(ContinuousClock.now - start < .milliseconds(2500), "cut at the 1 s deadline (the stall never ends)")
        guard case let .metrics(text) = response else { Issue.record("expected metrics"); return }
        let set = MetricSet(try ExpositionParser.parse(text))
        #expect(set.sample(named: "probe_success") == 0)
        #expect(set.sample(named: "probe_http_status_code") == 200, "the status line arrived before the stall")
        #expect(set.sample(named: "probe_dns_lookup_time_seconds") != nil)
    }

    @Test func deviceNameInTheURLConnectsToTheDeviceAddress() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        // The Host header keeps the name the user wrote; the connection goes to the device's address.
        let hostKept = Self.module { $0.failIfBodyNotMatches = [RegularExpression(#"\["Host", "webpi:[0-9]+"\]"#)!] }
        let config = ExporterConfig(modules: ["http_2xx": hostKept],
                                    devices: [DeviceConfig(name: "webpi", address: "127.0.0.1")])
        let handler = ProbeHandler(probers: registry(HTTPProber(engine: Self.engine)))
        let response = await handler.handle(ProbeRequest(target: "http://webpi:\(server.port)/echo", module: "http_2xx", debug: true), config: config)
        guard case let .debug(text) = response else { Issue.record("expected debug"); return }
        #expect(text.contains("probe_success 1"), "\(text)")
        #expect(text.contains("probe_failed_due_to_regex 0"))
    }
}
