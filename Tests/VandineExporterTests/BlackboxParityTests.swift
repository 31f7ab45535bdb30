import Foundation
import Testing
import TestSupport
import VandineCore

/// The same blackbox.yml modules, the same local targets, Debian's blackbox_exporter and ours side
/// by side: every (module, target) pair must give the same `probe_success`.
@Suite(.serialized) struct BlackboxParityTests {
    static let blackboxBinary = "/usr/bin/prometheus-blackbox-exporter"

    /// Written as blackbox documents it; loaded unchanged by both exporters.
    static let modules = """
        modules:
          tcp_connect:
            prober: tcp
            timeout: 3s
            tcp: {preferred_ip_protocol: ip4}
          ssh_banner:
            prober: tcp
            timeout: 3s
            tcp:
              preferred_ip_protocol: ip4
              query_response:
                - expect: "^SSH-2.0-"
          http_2xx:
            prober: http
            timeout: 3s
            http: {preferred_ip_protocol: ip4}
          http_404_ok:
            prober: http
            timeout: 3s
            http: {preferred_ip_protocol: ip4, valid_status_codes: [404]}
          http_body:
            prober: http
            timeout: 3s
            http:
              preferred_ip_protocol: ip4
              fail_if_body_not_matches_regexp: ["hel+o"]
              fail_if_header_not_matches: [{header: X-Test, regexp: "^one$"}]
          http_no_redirect:
            prober: http
            timeout: 3s
            http: {preferred_ip_protocol: ip4, follow_redirects: false}
          dns_a:
            prober: dns
            timeout: 3s
            dns:
              preferred_ip_protocol: ip4
              query_name: www.vandine.test
              query_type: A
              validate_answer_rrs:
                fail_if_not_matches_regexp: ["www.vandine.test.\\t[0-9]+\\tIN\\tA\\t192.0.2.10"]
          dns_tcp:
            prober: dns
            timeout: 3s
            dns: {preferred_ip_protocol: ip4, transport_protocol: tcp, query_name: www.vandine.test, query_type: A}
          dns_mx_wanted:
            prober: dns
            timeout: 3s
            dns:
              preferred_ip_protocol: ip4
              query_name: www.vandine.test
              query_type: A
              validate_answer_rrs:
                fail_if_none_matches_regexp: ["IN\\tMX\\t"]
        """

    @Test func sameProbeSuccessAsBlackboxOnTheSameTargets() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.blackboxBinary) else {
            Issue.record("\(Self.blackboxBinary) is missing: make test installs prometheus-blackbox-exporter")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ssh = try await TCPTestServer(banner: "SSH-2.0-OpenSSH_9.2\r\n")
        let smtp = try await TCPTestServer(banner: "220 mail ESMTP\r\n")
        let closedPort = try ClosedTCPPort()
        let closed = closedPort.port
        let http = try await HTTPTestServer.start()
        let dns = try await DNSTestServer(arguments: [
            "--host-record=www.vandine.test,192.0.2.10", "--local=/vandine.test/",
        ])
        defer {
            http.stop()
            dns.stop()
            Task { await ssh.stop(); await smtp.stop() }
        }
        let ours = try await ExporterProcess.started(arguments: ["--config.file",
                                                   try directory.write("vandine.yml", Self.modules + "\nallowed_targets: [127.0.0.0/8]\n")])
        defer { ours.stop() }
        let theirs = try BlackboxProcess(config: try directory.write("blackbox.yml", Self.modules))
        defer { theirs.stop() }

        let cases: [(String, String)] = [
            ("tcp_connect", "127.0.0.1:\(ssh.port)"), ("tcp_connect", "127.0.0.1:\(closed)"),
            ("ssh_banner", "127.0.0.1:\(ssh.port)"), ("ssh_banner", "127.0.0.1:\(smtp.port)"),
            ("http_2xx", http.url("/fixed")), ("http_2xx", http.url("/status/404")), ("http_2xx", http.url("/redirect/2")),
            ("http_2xx", http.url("/loop")), ("http_2xx", "http://127.0.0.1:\(closed)/"),
            ("http_404_ok", http.url("/status/404")), ("http_404_ok", http.url("/fixed")),
            ("http_body", http.url("/fixed")), ("http_body", http.url("/gzip")),
            ("http_no_redirect", http.url("/redirect/1")),
            ("dns_a", "127.0.0.1:\(dns.port)"), ("dns_tcp", "127.0.0.1:\(dns.port)"), ("dns_mx_wanted", "127.0.0.1:\(dns.port)"),
            ("dns_a", "127.0.0.1:\(closed)"),
        ]
        var agreed = 0
        for (module, target) in cases {
            let query = "/probe?module=\(module)&target=\(target.percentEncoded)"
            let mine = Self.probeSuccess(try await Curl.fetch(ours.url(query)))
            let blackbox = Self.probeSuccess(try await Curl.fetch("http://127.0.0.1:\(theirs.port)\(query)"))
            #expect(mine != nil && mine == blackbox, "\(module) \(target): ours \(mine.map(String.init) ?? "none"), blackbox \(blackbox.map(String.init) ?? "none")")
            if mine == blackbox { agreed += 1 }
        }
        #expect(agreed == cases.count)
        // Both outcomes are exercised, so agreement is not trivially "everything failed".
        let fixed = try await Curl.fetch(ours.url("/probe?module=http_2xx&target=\(http.url("/fixed").percentEncoded)"))
        #expect(Self.probeSuccess(fixed) == 1)
    }

    static func probeSuccess(_ response: Curl.Response) -> Int? {
        response.body.split(separator: "\n").first { $0.hasPrefix("probe_success ") }.flatMap { Int($0.dropFirst("probe_success ".count)) }
    }
}

/// Debian's blackbox_exporter on a free loopback port, stopped with SIGKILL.
final class BlackboxProcess {
    let process = Process()
    let port: Int

    init(config: String) throws {
        port = try freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: BlackboxParityTests.blackboxBinary)
        process.arguments = ["--config.file=\(config)", "--web.listen-address=127.0.0.1:\(port)", "--log.level=error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let response = try? Curl.request("http://127.0.0.1:\(port)/-/healthy"), response.status == 200 { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw StartFailure(description: "blackbox_exporter did not come up on port \(port)")
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
