import Foundation
import Testing
import TestSupport
import Probes
import VandineCore

/// The SSH session pool inside the real `vandine-exporter` binary, seen from outside: concurrent
/// `/probe` requests for one device share one login and stay within the pool's channel bound, and
/// a warm pool survives the device's sshd restarting. Serialized: each test owns an sshd and an
/// exporter, and the concurrency test measures overlap in wall time.
@Suite(.serialized) struct SSHPoolEndToEndTests {
    /// The exporter's pool limit (the wiring uses the defaults).
    static let channelBound = SSHPoolLimits().channelsPerDevice

    static func metrics(_ body: String) throws -> MetricSet {
        MetricSet(try ExpositionParser.parse(body))
    }

    /// 20 `/probe` requests at once for an exec command module on one device. Each command marks
    /// itself running (a file named after its shell's pid), waits 300 ms and reports how many
    /// commands were running then: the pool's bound, never more, with exactly one login at sshd.
    @Test func twentyConcurrentProbesShareOneLoginWithinTheChannelBound() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let running = server.directory + "/running"
        let config = """
            modules:
              overlap:
                prober: command
                timeout: 20s
                command:
                  commands:
                    - name: overlap
                      command: 'd=\(running); mkdir -p $d; : > $d/$$; sleep 0.3; echo "running $(ls $d | wc -l)"; rm -f $d/$$'
                      metrics: [{name: commands_running, regex: '^running (?P<value>\\d+)$'}]
            devices:
            \(try CommandRouteTests.device("busy-box", on: server, modules: ["overlap"]))
            """
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", config)])
        defer { exporter.stop() }

        let url = exporter.url("/probe?module=overlap&target=busy-box")
        let responses = try await withThrowingTaskGroup(of: Curl.Response.self) { group in
            for _ in 0..<20 { group.addTask { try await Curl.fetch(url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(responses.count == 20)
        var seen: [Double] = []
        for response in responses {
            #expect(response.status == 200)
            let m = try Self.metrics(response.body)
            #expect(m.sample(named: "probe_success") == 1, "\(response.body)")
            if let value = m.sample(named: "commands_running") { seen.append(value) }
        }
        #expect(seen.count == 20)
        let most = seen.max() ?? 0
        #expect(most <= Double(Self.channelBound), "\(most) commands ran at once on the device: \(seen)")
        // 20 commands of 300 ms each did overlap (else the bound was never tested).
        #expect(most >= 2, "\(seen)")

        #expect(server.acceptedLogins == 1, "\(server.log)")
        let own = try Self.metrics(try await Curl.fetch(exporter.url("/metrics")).body)
        #expect(own.sample(named: "vandine_ssh_connects_total", labels: ["device": "busy-box", "result": "success"]) == 1)
        #expect(own.sample(named: "vandine_ssh_command_duration_seconds_count", labels: ["device": "busy-box"]) == 20)
        let sessions = own.family(named: "vandine_ssh_sessions")?.samples.filter { $0.labels["device"] == "busy-box" } ?? []
        #expect(sessions.map(\.value).reduce(0, +) == 1, "\(sessions)")
        #expect(own.sample(named: "vandine_ssh_sessions", labels: ["device": "busy-box", "state": "idle"]) == 1)
        let leftover = (try? FileManager.default.contentsOfDirectory(atPath: running)) ?? []
        #expect(leftover.isEmpty, "commands still marked running: \(leftover)")
    }

    /// sshd restarts (every connection dropped) under a warm pool: the next `/probe` of a node
    /// module over SSH logs in again and succeeds.
    @Test func aWarmPoolReconnectsAfterSshdRestarts() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = """
            modules:
              node_ssh:
                prober: node
                timeout: 10s
                node: {source: ssh, collectors: [uname, meminfo, loadavg]}
            devices:
            \(try CommandRouteTests.device("pi", on: server, modules: ["node_ssh"]))
            """
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", config)])
        defer { exporter.stop() }
        let url = exporter.url("/probe?module=node_ssh&target=pi")

        for _ in 0..<2 {
            let warm = try await Curl.fetch(url)
            #expect(try Self.metrics(warm.body).sample(named: "probe_success") == 1, "\(warm.body)")
        }
        #expect(server.acceptedLogins == 1)

        try await server.restart()
        let after = try await Curl.fetch(url + "&debug=true")
        #expect(after.body.contains("probe_success 1\n"), "\(after.body)")
        #expect(after.body.contains("node_memory_MemTotal_bytes "))
        #expect(server.acceptedLogins == 2, "\(server.log)")

        let own = try Self.metrics(try await Curl.fetch(exporter.url("/metrics")).body)
        #expect(own.sample(named: "vandine_ssh_connects_total", labels: ["device": "pi", "result": "success"]) == 2)
        let failedLogins = own.family(named: "vandine_ssh_connects_total")?.samples
            .filter { $0.labels["device"] == "pi" && $0.labels["result"] != "success" } ?? []
        #expect(failedLogins.isEmpty, "\(failedLogins)")
    }
}
