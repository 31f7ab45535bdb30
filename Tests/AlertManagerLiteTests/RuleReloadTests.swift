import Foundation
import Testing
import TestSupport

/// `/-/reload` on the real daemon: a rule file that cannot be read (broken YAML, a directory where
/// the file was) is an error answer, the running rules go on evaluating with their state, and
/// `alertmanager_lite_config_last_reload_successful` is 0; a valid change then keeps the state of
/// the rule that did not change and starts the changed one fresh.
@Suite struct RuleReloadTests {
    static func rules(changedExpression: String) -> String {
        """
        groups:
          - name: reload
            rules:
              - alert: Unchanged
                expr: vector(1)
                labels: {severity: warning}
              - alert: Changed
                expr: \(changedExpression)
                labels: {severity: warning}
        """
    }

    @Test(.timeLimit(.minutes(3)))
    func aBrokenRuleFileKeepsTheOldRulesAndAValidChangeKeepsUnchangedState() async throws {
        guard prometheusInstalled() else { return }
        let prometheus = try await PrometheusTestServer.start()
        defer { prometheus.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ruleFile = try dir.write("rules.yml", Self.rules(changedExpression: "vector(2)"))
        let daemon = try await startAlertmanagerLite(in: dir, config: """
            datasource: {url: "\(prometheus.url())"}
            evaluation_interval: 1s
            rule_files: [rules.yml]
            """)
        defer { daemon.stop() }
        let base = daemon.url("")

        func firing() async throws -> [String: ListedAlert]? {
            guard let alerts = try await ListedAlert.fetch(base) else { return nil }
            return Dictionary(alerts.filter { $0.state == "firing" }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        func lastEvaluation() async throws -> String? {
            let response = try await Curl.fetch(base + "/api/v1/rules")
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                  let groups = (object["data"] as? [String: Any])?["groups"] as? [[String: Any]],
                  let group = groups.first(where: { $0["name"] as? String == "reload" }) else { return nil }
            return group["lastEvaluation"] as? String
        }
        func reloadSuccessful() async throws -> Double? {
            sampleValue(try await Curl.fetch(base + "/metrics").body, "alertmanager_lite_config_last_reload_successful")
        }

        let before = try #require(try await poll(timeout: 30) { () async throws -> [String: ListedAlert]? in
            let alerts = try await firing()
            return alerts?.count == 2 ? alerts : nil
        }, "the two alerts never fired: \(daemon.log.suffix(2000))")

        // Broken YAML, then a directory in the file's place: both fail, nothing changes.
        let breakages: [(String, () throws -> Void)] = [
            ("broken YAML", { _ = try dir.write("rules.yml", "groups:\n  - name: reload\n    rules: [\n") }),
            ("a directory", {
                try FileManager.default.removeItem(atPath: ruleFile)
                try FileManager.default.createDirectory(atPath: ruleFile, withIntermediateDirectories: false)
            }),
        ]
        for (what, breakIt) in breakages {
            try breakIt()
            let evaluatedBefore = try await lastEvaluation()
            let reload = try await Curl.fetch(base + "/-/reload", method: "POST")
            #expect(reload.status >= 400, "\(what): reload answered \(reload.status) \(reload.body)")
            #expect(reload.body.contains("rules.yml"), "\(what): the error does not name the file: \(reload.body)")
            #expect(try await reloadSuccessful() == 0, "\(what)")
            // The old rules keep evaluating: the group's last evaluation moves on.
            let advanced = try await poll(timeout: 15) { () async throws -> Bool? in
                let now = try await lastEvaluation()
                return now != nil && now != evaluatedBefore ? true : nil
            }
            #expect(advanced != nil, "\(what): the group stopped evaluating")
            let after = try await firing()
            #expect(after == before, "\(what): state changed: \(String(describing: after)) vs \(before)")
        }

        // A valid change to one rule.
        try FileManager.default.removeItem(atPath: ruleFile)
        _ = try dir.write("rules.yml", Self.rules(changedExpression: "vector(3)"))
        let reload = try await Curl.fetch(base + "/-/reload", method: "POST")
        #expect(reload.status == 200, "\(reload.body)")
        #expect(try await reloadSuccessful() == 1)
        let restarted = try await poll(timeout: 30) { () async throws -> [String: ListedAlert]? in
            guard let alerts = try await firing(), let changed = alerts["Changed"],
                  changed.activeAt != before["Changed"]?.activeAt else { return nil }
            return alerts
        }
        let after = try #require(restarted, "the changed rule did not start fresh: \(daemon.log.suffix(2000))")
        #expect(after["Unchanged"]?.activeAt == before["Unchanged"]?.activeAt, "the unchanged rule lost its state")
        #expect((after["Changed"]?.activeSeconds ?? 0) > (before["Changed"]?.activeSeconds ?? .infinity))
    }
}
