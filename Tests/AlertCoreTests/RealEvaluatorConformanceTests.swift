@testable import AlertCore
import TestSupport
import Testing

/// Conformance cases through the REAL evaluator (RuleManager) and the real PrometheusDatasource
/// over the backfilled temporary Prometheus: our `test rules` output must equal promtool's byte
/// for byte, for passing and for failing files. The rule-file loader and the full template
/// engine come with the `rules` branch; until then the groups are built here (the rules the
/// cases test, as monitoring/prometheus/rules/*.yml writes them) and only cases whose
/// annotations use plain `{{ $labels.x }}` run.
@Suite(.serialized) struct RealEvaluatorConformanceTests {
    static let rules = repositoryRoot + "/monitoring/prometheus/rules"

    static let groups: [RuleGroupDefinition] = [
        RuleGroupDefinition(name: "nodes", file: rules + "/nodes.yml", rules: [
            .alerting(AlertingRuleDefinition(name: "NodeDown", expression: #"up{job="node"} == 0"#, holdDuration: 120,
                                             labels: ["severity": "critical"],
                                             annotations: ["summary": "{{ $labels.instance }} is down",
                                                           "description": "{{ $labels.instance }} has not answered a scrape for 2 minutes."])),
            .alerting(AlertingRuleDefinition(name: "NodeExporterMissing", expression: #"absent(up{job="node"})"#, holdDuration: 300,
                                             labels: ["severity": "warning"], annotations: ["summary": "No node target is being scraped"])),
        ]),
        RuleGroupDefinition(name: "network", file: rules + "/network.yml", rules: [
            .alerting(AlertingRuleDefinition(name: "TunnelDown", expression: "vandine_tunnel_up == 0", holdDuration: 60, keepFiringFor: 300,
                                             labels: ["severity": "critical"],
                                             annotations: ["summary": "Cloudflare Tunnel on {{ $labels.instance }} is down"])),
        ]),
        RuleGroupDefinition(name: "services", file: rules + "/services.yml", limit: 3, rules: [
            .alerting(AlertingRuleDefinition(name: "ServiceDown", expression: #"probe_success{job="tcp"} == 0"#,
                                             labels: ["severity": "warning"],
                                             annotations: ["summary": "{{ $labels.instance }} does not accept connections"])),
        ]),
    ]

    static let cases = [
        "tests/node-down-for-boundary.yml", "tests/node-down-flapping.yml", "tests/node-down-resolves.yml",
        "tests/node-down-multiple-series.yml", "tests/node-exporter-absent.yml", "tests/node-target-removed-stale.yml",
        "tests/tunnel-keep-firing-for.yml", "tests/services-limit.yml",
    ].map { rules + "/" + $0 } + ["services-limit-exceeded.yml", "node-down-wrong-expectation.yml"].map {
        repositoryRoot + "/Tests/AlertCoreTests/Fixtures/promtool-failures/" + $0
    }

    @Test(arguments: cases)
    func sameOutputAsPromtool(_ file: String) async throws {
        let factory = RuleManagerEvaluatorFactory { _ in Self.groups }
        let runner = RuleTestRunner(evaluators: factory, store: PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource))
        final class Sink: @unchecked Sendable { var out = ""; var err = "" }
        let sink = Sink()
        let status = await RuleTestCommandOutput.run([file], runner: runner, stdout: { sink.out += $0 }, stderr: { sink.err += $0 })
        let promtool = try await Command.runOffPool("promtool", ["test", "rules", file])
        #expect(status == promtool.status)
        #expect(sink.out == promtool.stdout)
        #expect(sink.err == promtool.stderr)
    }
}
