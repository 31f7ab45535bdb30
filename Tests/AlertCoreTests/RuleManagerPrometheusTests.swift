import AlertCore
import CurlClient
import TestSupport
import Testing

/// The evaluator end to end against a real Prometheus, with a virtual clock: an alert goes
/// pending and fires, then Prometheus dies and nothing resolves while the datasource-down alert
/// takes over.
@Suite(.serialized) struct RuleManagerPrometheusTests {
    static let engine = CurlEngine()

    @Test("Prometheus killed while an alert fires: it stays firing, health err, AlertmanagerLiteDatasourceDown fires after down_alert_after")
    func datasourceKilled() async throws {
        let prometheus = try await PrometheusTestServer.start()
        defer { prometheus.stop() }
        let datasource = PrometheusDatasource(options: .init(url: prometheus.url(), queryTimeout: 5), engine: Self.engine)
        let rule = AlertingRuleDefinition(name: "Up", expression: #"label_replace(vector(1), "instance", "x", "", "")"#,
                                          holdDuration: 60, labels: ["severity": "page"],
                                          annotations: ["summary": "{{ $labels.instance }} is up"])
        let group = RuleGroupDefinition(name: "g", file: "rules.yml", interval: 30, rules: [.alerting(rule)])
        let manager = RuleManager(groups: [group], datasource: datasource,
                                  options: RuleManagerOptions(evaluationInterval: 30, datasourceDownAlertAfter: 60,
                                                              datasourceURL: prometheus.url()))
        let key = try #require(group.ruleStateKeys.first)
        let downKey = DatasourceDownAlert.stateKey(downAfter: 60)
        let t0 = 1_700_000_000.0
        await manager.evaluateAll(at: t0)
        await manager.evaluateAll(at: t0 + 30)
        await manager.evaluateAll(at: t0 + 60)
        let firing = try #require(await manager.alertState()[key]?.first)
        #expect(firing.state == .firing)
        #expect(firing.labels == ["alertname": "Up", "instance": "x", "severity": "page"])
        #expect(firing.annotations == ["summary": "x is up"])
        #expect(firing.firedAt == t0 + 60)

        prometheus.stop()
        var downStates: [AlertState?] = []
        for step in 3...6 {
            await manager.evaluateAll(at: t0 + Double(step) * 30)
            #expect(await manager.alertState()[key] == [firing], "unchanged at step \(step)")
            downStates.append(await manager.alertState()[downKey]?.first?.state)
        }
        #expect(downStates == [.pending, .pending, .firing, .firing])  // 90: pending; 150 − 90 = 60: firing
        let status = try #require(await manager.groupStatuses().first?.rules.first)
        #expect(status.health == .err)
        #expect(status.lastError == "datasource unreachable: connection refused")
    }
}
