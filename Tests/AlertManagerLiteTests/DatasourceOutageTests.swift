import Foundation
import Testing
import TestSupport

/// The datasource (a real Prometheus) killed for three minutes while an alert fires: the alert
/// stays firing with its activeAt throughout, `AlertmanagerLiteDatasourceDown` fires after
/// `down_alert_after`, and once Prometheus is back (same port, same TSDB) the meta-alert resolves
/// and nothing else did. Prometheus + Alertmanager would have sent a RESOLVED for the alert.
@Suite struct DatasourceOutageTests {
    static let outage = 180.0
    static let downAlertAfter = 60.0

    @Test(.timeLimit(.minutes(7)))
    func anAlertStaysFiringWhileTheDatasourceIsDownForThreeMinutes() async throws {
        guard prometheusInstalled() else { return }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let prometheus = try RestartablePrometheus(directory: dir.path, config: "global: {scrape_interval: 1m}\n")
        try await prometheus.start()
        defer { prometheus.kill() }
        _ = try dir.write("rules.yml", """
            groups:
              - name: outage
                rules:
                  - alert: StillBroken
                    expr: vector(1)
                    for: 2s
                    labels: {severity: critical}
                    annotations: {summary: "firing before, during and after the outage"}
            """)
        let daemon = try await startAlertmanagerLite(in: dir, config: """
            datasource:
              url: \(prometheus.url)
              timeout: 2s
              down_alert_after: \(Int(Self.downAlertAfter))s
            evaluation_interval: 2s
            rule_files: [rules.yml]
            """)
        defer { daemon.stop() }
        let base = daemon.url("")

        let firing = try await poll(timeout: 30) {
            try await ListedAlert.fetch(base)?.first { $0.name == "StillBroken" && $0.state == "firing" }
        }
        let original = try #require(firing, "never fired: \(daemon.log.suffix(2000))")

        prometheus.kill()
        let killedAt = Date()
        var metaFiredAfter: Double?
        var wrong: [String] = []
        // Every second of the outage: the alert is listed, firing, with the same activeAt.
        while Date().timeIntervalSince(killedAt) < Self.outage {
            if let alerts = try await ListedAlert.fetch(base) {
                let alert = alerts.first { $0.name == "StillBroken" }
                if alert?.state != "firing" || alert?.activeAt != original.activeAt {
                    wrong.append("\(Int(Date().timeIntervalSince(killedAt))) s: \(alert.map(\.description) ?? "gone")")
                }
                if metaFiredAfter == nil, alerts.contains(where: { $0.name == "AlertmanagerLiteDatasourceDown" && $0.state == "firing" }) {
                    metaFiredAfter = Date().timeIntervalSince(killedAt)
                }
            } else {
                wrong.append("\(Int(Date().timeIntervalSince(killedAt))) s: /api/v1/alerts did not answer")
            }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        let firedAfter = try #require(metaFiredAfter, "AlertmanagerLiteDatasourceDown never fired: \(daemon.log.suffix(2000))")
        print("datasource outage: meta-alert firing \(String(format: "%.1f", firedAfter)) s after the kill (down_alert_after \(Self.downAlertAfter) s)")
        // It fires after down_alert_after of failures (plus the query timeout and one interval), not before.
        #expect(firedAfter >= Self.downAlertAfter && firedAfter <= Self.downAlertAfter + 15)

        try await prometheus.start()
        let resolved = try await poll(timeout: 60, every: 0.5) { () async throws -> [ListedAlert]? in
            guard let alerts = try await ListedAlert.fetch(base),
                  !alerts.contains(where: { $0.name == "AlertmanagerLiteDatasourceDown" }) else { return nil }
            return alerts
        }
        let after = try #require(resolved, "the meta-alert did not resolve: \(daemon.log.suffix(2000))")
        let alert = after.first { $0.name == "StillBroken" }
        #expect(alert?.state == "firing" && alert?.activeAt == original.activeAt, "\(String(describing: alert))")
        // The rule evaluates again (health ok) and still reports the same alert.
        let healthy = try await poll(timeout: 30) { () async throws -> Bool? in
            let rules = try await Curl.fetch(base + "/api/v1/rules").body
            return rules.contains("\"name\":\"StillBroken\"") && !rules.contains("\"health\":\"err\"") ? true : nil
        }
        let rules = try await Curl.fetch(base + "/api/v1/rules").body
        #expect(healthy != nil, "the rule did not recover: \(rules)")
        let final = try await ListedAlert.fetch(base)?.first { $0.name == "StillBroken" }
        #expect(final?.state == "firing" && final?.activeAt == original.activeAt, "\(String(describing: final))")
    }
}
