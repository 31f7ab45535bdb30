@testable import AlertCore
import Testing

/// A replay with the real RuleManager and PrometheusDatasource over stored history (a
/// backfilled temporary Prometheus): the tunnel is down from 1m to 3m (`1 0 0 0 1x10`).
@Suite(.serialized) struct ReplayEndToEndTests {
    @Test func tunnelDownWithKeepFiringFor() async throws {
        let series = [InputSeries(labels: ["__name__": "vandine_tunnel_up", "instance": "localhost:20241", "job": "cloudflared"],
                                  points: try SeriesValues.expand("1 0 0 0 1x10"))]
        let loaded = try await PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource).load(series, interval: 60_000)
        defer { Task { await loaded.close() } }
        let rule = AlertingRuleDefinition(name: "TunnelDown", expression: "vandine_tunnel_up == 0", holdDuration: 60, keepFiringFor: 300,
                                          labels: ["severity": "critical"])
        let group = RuleGroupDefinition(name: "network", file: "network.yml", interval: 60, rules: [.alerting(rule)])
        let evaluator = RuleManagerEvaluatorFactory { _ in [group] }
            .makeEvaluator(groups: [group], datasource: loaded.datasource, externalLabels: [:], externalURL: "")
        let report = try await ReplayRunner(groups: [group], evaluationInterval: 60).run(evaluator: evaluator, from: 0, to: 780, step: 60)
        let labels = #"{alertname="TunnelDown", instance="localhost:20241", job="cloudflared", severity="critical"}"#
        #expect(report.changes.map(\.line) == [
            "1970-01-01T00:01:00Z network TunnelDown \(labels) inactive -> pending value=0",
            "1970-01-01T00:02:00Z network TunnelDown \(labels) pending -> firing value=0",
            "1970-01-01T00:04:00Z network TunnelDown \(labels) firing -> firing value=0 (kept firing by keep_firing_for since 1970-01-01T00:04:00Z)",
            "1970-01-01T00:09:00Z network TunnelDown \(labels) firing -> inactive value=0",
        ])
        #expect(report.errors.isEmpty)
        #expect(report.evaluations == 14)
        await loaded.close()
    }
}
