import Foundation
import Testing
import TestSupport
import VandineCore

/// The real `vandine-exporter` binary over real HTTP: promtool on its output, SIGHUP reload, TLS,
/// basic auth, `--config.check` and graceful shutdown. Serialized: each test owns a process.
@Suite(.serialized) struct EndToEndTests {
    static let config = """
        modules:
          tcp_connect:
            prober: tcp
            timeout: 5s
          banner:
            prober: tcp
            timeout: 30s
            tcp:
              expect_banner: "^SSH-"
              port: 22
        devices:
          - name: self
            address: 127.0.0.1
            modules: [banner]
        allowed_targets:
          - 127.0.0.0/8
        """

    @Test func metricsAndProbeOutputPassPromtool() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TCPTestServer()
        defer { Task { await server.stop() } }
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", Self.config)])
        defer { exporter.stop() }

        let probe = try await Curl.fetch(exporter.url("/probe?module=tcp_connect&target=127.0.0.1:\(server.port)"))
        #expect(probe.status == 200)
        #expect(probe.body.contains("probe_success 1\n"))
        let failed = try await Curl.fetch(exporter.url("/probe?module=tcp_connect&target=self:1"))
        #expect(failed.body.contains("probe_success 0\n"))
        let metrics = try await Curl.fetch(exporter.url("/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("vandine_exporter_probes_total{module=\"tcp_connect\",result=\"success\"} 1\n"))

        for (name, body) in [("probe", probe.body), ("failed probe", failed.body), ("metrics", metrics.body)] {
            let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: body)
            #expect(lint.status == 0, "promtool on \(name): \(lint.stdout)\(lint.stderr)")
            #expect(lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool on \(name): \(lint.stdout)\(lint.stderr)")
        }
    }

    @Test func sighupWithABrokenConfigKeepsServingAndReportsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("vandine.yml", Self.config)
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", file])
        defer { exporter.stop() }

        _ = try directory.write("vandine.yml", "devices:\n  - name: x\n    address: 127.0.0.1\n    ssh: {user: pi, port: 70000}\n")
        exporter.send(SIGHUP)
        #expect(try await Self.waitFor(exporter, metric: "vandine_exporter_config_last_reload_successful 0\n"))
        #expect(exporter.log.contains("vandine.yml:4:27: devices[0].ssh.port: must be 1-65535, got 70000"))
        // The previous config is still in force: module tcp_connect and device "self" exist.
        let probe = try await Curl.fetch(exporter.url("/probe?module=tcp_connect&target=self:1"))
        #expect(probe.status == 200)

        _ = try directory.write("vandine.yml", Self.config)
        exporter.send(SIGHUP)
        #expect(try await Self.waitFor(exporter, metric: "vandine_exporter_config_last_reload_successful 1\n"))
    }

    @Test func sigtermCancelsInFlightProbesAndExitsWithinTwoSeconds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let hung = try await TCPTestServer(silent: true)
        defer { Task { await hung.stop() } }
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", Self.config)])
        defer { exporter.stop() }

        // A probe that would wait 30 s for a banner that never comes.
        let scrape = Process()
        scrape.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        scrape.arguments = ["-s", "-o", "/dev/null", exporter.url("/probe?module=banner&target=127.0.0.1:\(hung.port)")]
        try scrape.run()
        defer { if scrape.isRunning { scrape.terminate() } }
        // Wait until the probe is in flight: it has connected to the silent server (bounded: 5 s).
        for _ in 0..<250 where hung.acceptedConnections == 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(hung.acceptedConnections == 1, "the probe reached the silent server")
        #expect(exporter.process.isRunning)

        let seconds = exporter.stop(within: 5)
        #expect(seconds != nil, "exporter had to be killed")
        #expect((seconds ?? 99) < 2.0, "took \(seconds ?? -1) s")
        #expect(exporter.process.terminationStatus == 0)
    }

    @Test func tlsWithTheCASucceedsAndPlainHTTPFails() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificates(in: directory)
        let web = try directory.write("web.yml", """
            tls_server_config:
              cert_file: \(ca.serverCertificate)
              key_file: \(ca.serverKey)
            """)
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", Self.config),
                                                       "--web.config.file", web],
                                           tls: true, curlExtra: ["--cacert", ca.certificate])
        defer { exporter.stop() }

        let secure = try await Curl.fetch(exporter.url("/metrics"), extra: ["--cacert", ca.certificate])
        #expect(secure.status == 200)
        #expect(secure.body.contains("vandine_exporter_build_info"))
        let untrusted = try await Curl.fetch(exporter.url("/metrics"))
        #expect(untrusted.status == 0, "without the CA the certificate must not verify")
        let plain = try await Curl.fetch("http://127.0.0.1:\(exporter.port)/metrics")
        #expect(plain.status != 200)
    }

    /// exporter-toolkit's `min_version` default is TLS 1.2: without the key, TLS 1.0 and 1.1
    /// handshakes fail; with `min_version: TLS10` the same client gets through (so the refusal is
    /// the server's doing, not the client's).
    @Test func tlsDefaultsToTLS12AsExporterToolkitDoes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificates(in: directory)
        func handshake(_ port: Int, _ version: String) throws -> Bool {
            let result = try Command.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", version,
                                                     "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", ca.certificate], input: "")
            return result.status == 0 && result.stdout.contains("Verify return code: 0 (ok)")
        }
        let tls = "tls_server_config:\n  cert_file: \(ca.serverCertificate)\n  key_file: \(ca.serverKey)\n"
        let config = try directory.write("vandine.yml", Self.config)
        let strict = try await ExporterProcess.started(arguments: ["--config.file", config, "--web.config.file", try directory.write("web.yml", tls)],
                                         tls: true, curlExtra: ["--cacert", ca.certificate])
        defer { strict.stop() }
        #expect(try !handshake(strict.port, "-tls1"))
        #expect(try !handshake(strict.port, "-tls1_1"))
        #expect(try handshake(strict.port, "-tls1_2"))
        #expect(try handshake(strict.port, "-tls1_3"))
        let lax = try await ExporterProcess.started(arguments: ["--config.file", config, "--web.config.file",
                                                  try directory.write("lax.yml", tls + "  min_version: TLS10\n")],
                                      tls: true, curlExtra: ["--cacert", ca.certificate])
        defer { lax.stop() }
        #expect(try handshake(lax.port, "-tls1_1"), "the client can speak TLS 1.1 when the server allows it")
    }

    /// `:PORT` listens on every address of both families, as Go exporters do; `[::1]:PORT` works.
    @Test func listenAddressCoversBothFamilies() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("vandine.yml", Self.config)
        let any = try await ExporterProcess.started(arguments: ["--config.file", config], listenHost: "")
        defer { any.stop() }
        #expect(try await Curl.fetch("http://127.0.0.1:\(any.port)/-/healthy").status == 200)
        #expect(try await Curl.fetch("http://[::1]:\(any.port)/-/healthy").status == 200)
        let v6 = try await ExporterProcess.started(arguments: ["--config.file", config], listenHost: "[::1]")
        defer { v6.stop() }
        #expect(try await Curl.fetch("http://[::1]:\(v6.port)/-/healthy").status == 200)
        #expect(try await Curl.fetch("http://127.0.0.1:\(v6.port)/-/healthy").status == 0, "bound to ::1 only")
    }

    /// A failed probe is logged once at info with module, target and one clean reason.
    @Test func failedProbeIsLoggedOnceAtInfo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", Self.config)])
        defer { exporter.stop() }
        let closed = try ClosedTCPPort()
        let port = closed.port
        #expect(try await Curl.fetch(exporter.url("/probe?module=tcp_connect&target=127.0.0.1:\(port)")).status == 200)
        let deadline = Date().addingTimeInterval(5)
        var lines: [Substring] = []
        while Date() < deadline {
            lines = exporter.log.split(separator: "\n").filter { $0.contains("msg=\"probe failed\"") }
            if !lines.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(lines.count == 1)
        let line = String(lines.first ?? "")
        #expect(line.contains("level=info"))
        #expect(line.contains("module=tcp_connect"))
        #expect(line.contains("target=127.0.0.1:\(port)"))
        #expect(line.contains("reason=\"connect to 127.0.0.1:\(port) failed: connection refused\""), "\(line)")
    }

    @Test func basicAuthOnTheRealServer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let web = try directory.write("web.yml", "basic_auth_users:\n  admin: \(BasicAuthFixtures.hunter2Hash)\n")
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", Self.config),
                                                       "--web.config.file", web])
        defer { exporter.stop() }
        #expect(try await Curl.fetch(exporter.url("/metrics")).status == 401)
        #expect(try await Curl.fetch(exporter.url("/metrics"), extra: ["-u", "admin:wrong"]).status == 401)
        #expect(try await Curl.fetch(exporter.url("/metrics"), extra: ["-u", "admin:hunter2"]).status == 200)
        #expect(!exporter.log.contains("hunter2"))
    }

    @Test func configCheckPrintsOKOrTheErrorLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let good = try Command.run(ExporterProcess.binary, ["--config.check", "--config.file", try directory.write("good.yml", Self.config)])
        #expect(good.status == 0)
        #expect(good.stdout == "config OK\n")
        let bad = try Command.run(ExporterProcess.binary, ["--config.check", "--config.file",
                                                          try directory.write("bad.yml", "modules:\n  m:\n    prober: tcp\n    timeout: soon\n")])
        #expect(bad.status == 1)
        #expect(bad.stderr == "bad.yml:4:14: modules.m.timeout: must be a duration like 500ms, 10s or 1m30s, got soon\n")
        // A web config whose key does not belong to its certificate, or whose files are swapped.
        let ca = try TestCertificates(in: directory)
        for (name, cert, key, reason) in [
            ("mismatch.yml", ca.serverCertificate, directory.path + "/ca.key", "the key in key_file does not belong to the certificate in cert_file"),
            ("swapped.yml", ca.serverKey, ca.serverCertificate, "cert_file is not a PEM certificate"),
        ] {
            let web = try directory.write(name, "tls_server_config:\n  cert_file: \(cert)\n  key_file: \(key)\n")
            let check = try Command.run(ExporterProcess.binary, ["--config.check", "--web.config.file", web])
            #expect(check.status == 1, "\(name)")
            #expect(check.stderr == "\(name): tls_server_config: cannot serve TLS with cert_file \(cert) and key_file \(key): \(reason)\n")
        }
        let missing = try Command.run(ExporterProcess.binary, ["--config.check", "--config.file", directory.path + "/absent.yml"])
        #expect(missing.stderr == directory.path + "/absent.yml: cannot read file: No such file or directory\n")
        let embedded = try Command.run(ExporterProcess.binary, ["--config.check"])
        #expect(embedded.status == 0)
        #expect(embedded.stdout == "config OK\n")
    }

    /// Polls `/metrics` until it contains `metric` (bounded: 5 s).
    static func waitFor(_ exporter: ExporterProcess, metric: String) async throws -> Bool {
        for _ in 0..<100 {
            if try await Curl.fetch(exporter.url("/metrics")).body.contains(metric) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
