import Foundation
import Testing
import TestSupport

/// A real Prometheus (Debian's 2.42) fires a rule and pushes the alert to a running
/// alertmanager-lite over Alertmanager's v2 API; the alert then shows in our GET /api/v2/alerts,
/// and amtool (Alertmanager 0.25's CLI) can query it. When the rule stops firing, Prometheus's
/// resolved notification (endsAt in the past) takes it out of the list at once.
@Suite(.serialized) struct PrometheusPushTests {
    static var binary: String { VersionTests.binary }

    /// A child process killed with SIGKILL and reaped when the test ends.
    final class Child: @unchecked Sendable {
        let process = Process()
        let logFile: String

        init(_ executable: String, _ arguments: [String], logFile: String) throws {
            self.logFile = logFile
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = FileHandle(forWritingAtPath: logFile)
            process.standardError = FileHandle(forWritingAtPath: logFile)
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

        func kill() {
            guard process.isRunning else { return }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { kill() }
    }

    @Test(.timeLimit(.minutes(2)))
    func prometheusPushesAnAlertThatShowsInOurAPI() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
            Issue.record("prometheus is not installed (make test-deps)")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Ours first: Prometheus drops the first notification when its Alertmanager is not up yet.
        let ours = try await ExporterProcess.started(arguments: ["--storage.path", dir.path + "/state.db", "--log.level", "debug"],
                                                     binary: Self.binary)
        defer { ours.stop() }
        func writeRules(expression: String) throws {
            _ = try dir.write("rules.yml", """
                groups:
                  - name: push
                    interval: 1s
                    rules:
                      - alert: PushedFromPrometheus
                        expr: \(expression)
                        labels: {severity: test}
                        annotations: {summary: "pushed by a real Prometheus"}
                """)
        }
        try writeRules(expression: "vector(1)")
        let config = try dir.write("prometheus.yml", """
            global:
              evaluation_interval: 1s
            rule_files: [\(dir.path)/rules.yml]
            alerting:
              alertmanagers:
                - api_version: v2
                  static_configs:
                    - targets: ['127.0.0.1:\(ours.port)']
            """)
        let prometheusPort = try freeLoopbackPort()
        let prometheus = try Child("/usr/bin/prometheus", [
            "--config.file", config, "--storage.tsdb.path", dir.path + "/tsdb",
            "--web.listen-address", "127.0.0.1:\(prometheusPort)", "--web.enable-lifecycle",
            // Prometheus drops its first notification while its Alertmanager list is still being
            // set up and resends after the resend delay (1 m by default): 10 s keeps the test short,
            // and a firing alert's endsAt (4 × the delay = 40 s out) far from its resolution.
            "--rules.alert.resend-delay", "10s",
        ], logFile: dir.path + "/prometheus.log")
        defer { prometheus.kill() }

        var found: [String: Any]?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, found == nil {
            let response = try await Curl.fetch(ours.url("/api/v2/alerts?filter=alertname%3D%22PushedFromPrometheus%22"))
            if response.status == 200, let list = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]] {
                found = list.first
            }
            if found == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        print("prometheus push: first alert listed after \(Int(Date().timeIntervalSince(deadline.addingTimeInterval(-60)) * 1000)) ms")
        guard let alert = found else {
            Issue.record("the alert never arrived; prometheus log:\n\(prometheus.log.suffix(3000))\nours:\n\(ours.log.suffix(2000))")
            return
        }
        #expect(alert["labels"] as? [String: String] == ["alertname": "PushedFromPrometheus", "severity": "test"])
        #expect(alert["annotations"] as? [String: String] == ["summary": "pushed by a real Prometheus"])
        #expect((alert["generatorURL"] as? String)?.contains("/graph?g0.expr=vector%281%29") == true)
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")
        // Prometheus sends endsAt = last evaluation + 4 × max(interval, resend delay): in the future.
        let endsAt = ISO8601DateFormatter.fractional.date(from: alert["endsAt"] as? String ?? "")
        #expect(endsAt.map { $0 > Date() } == true)

        // amtool talks to the same API (a bonus: only when Debian's prometheus-alertmanager is installed).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool") {
            let query = try await Command.runOffPool("/usr/bin/amtool", [
                "--alertmanager.url=http://127.0.0.1:\(ours.port)", "alert", "query", "-o", "extended", "alertname=PushedFromPrometheus",
            ])
            #expect(query.status == 0, "\(query.stderr)")
            #expect(query.stdout.contains("PushedFromPrometheus") && query.stdout.contains("severity=\"test\""), "\(query.stdout)")
            let cluster = try await Command.runOffPool("/usr/bin/amtool", ["--alertmanager.url=http://127.0.0.1:\(ours.port)", "cluster", "show"])
            #expect(cluster.status == 0 && cluster.stdout.contains("disabled"), "\(cluster.stdout)\(cluster.stderr)")
        }

        // The rule stops matching. Without a resolved notification the alert would stay listed
        // until its endsAt, 40 s after the last firing evaluation; the bound below is shorter. The
        // reload resets Prometheus's Alertmanager list too, so the resolved notification also
        // arrives with the resend (measured: ~12 s after the reload).
        try writeRules(expression: "vector(1) == 0")
        let reload = try await Curl.fetch("http://127.0.0.1:\(prometheusPort)/-/reload", method: "POST")
        #expect(reload.status == 200, "\(reload.body)")
        var gone = false
        let resolveDeadline = Date().addingTimeInterval(30)
        while Date() < resolveDeadline, !gone {
            let response = try await Curl.fetch(ours.url("/api/v2/alerts"))
            gone = response.status == 200 && !response.body.contains("PushedFromPrometheus")
            if !gone { try await Task.sleep(for: .milliseconds(250)) }
        }
        print("prometheus push: resolved alert left the list \(Int(Date().timeIntervalSince(resolveDeadline.addingTimeInterval(-30)) * 1000)) ms after the reload")
        #expect(gone, "still listed; prometheus log:\n\(prometheus.log.suffix(2000))")
        let metrics = try await Curl.fetch(ours.url("/metrics"))
        #expect(metrics.body.contains("alertmanager_lite_pushed_alerts{state=\"resolved\"} 1"), "\(metrics.body)")
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with fractional seconds, as Alertmanager writes times.
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
