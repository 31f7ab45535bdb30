@testable import AlertCore
import TestSupport
import Testing

/// The whole chain but the real evaluator: test file → series notation → OpenMetrics →
/// `promtool tsdb create-blocks-from` → temporary Prometheus → queries at virtual times → promtool's
/// comparison and text (with `_`, `stale`, `+Inf`, `NaN` and an `eval_time` between two steps).
/// The evaluator is a stand-in that is exact for `for: 0` rules without
/// templates (an alert fires exactly while its expression returns the series), so for such a file
/// our output must equal promtool's, passing and failing.
@Suite(.serialized) struct RuleTestEndToEndTests {
    /// Fires every sample the expression returns, with no memory: Prometheus's semantics when
    /// `for` and `keep_firing_for` are 0 and nothing is templated.
    struct QueryEchoEvaluator: RuleEvaluating {
        let datasource: any Datasource

        func evaluate(_ group: RuleGroupDefinition, at time: Double) async -> [RuleEvaluation] {
            var results: [RuleEvaluation] = []
            for case let .alerting(rule) in group.rules {
                do {
                    let samples = try await datasource.query(rule.expression, at: time)
                    let alerts = samples.map { sample in
                        var labels = sample.labels.filter { $0.key != "__name__" }.merging(rule.labels) { $1 }
                        labels["alertname"] = rule.name
                        return AlertInstance(labels: labels, annotations: rule.annotations, state: .firing, value: sample.value,
                                             activeAt: time, firedAt: time, lastEvaluatedAt: time)
                    }
                    results.append(RuleEvaluation(rule: .alerting(rule), alerts: alerts))
                } catch {
                    results.append(RuleEvaluation(rule: .alerting(rule), alerts: [], error: "\(error)"))
                }
            }
            return results
        }
    }

    struct EchoFactory: RuleEvaluatorFactory {
        let groups: [RuleGroupDefinition]
        func loadGroups(files: [String]) throws -> [RuleGroupDefinition] { groups }
        func makeEvaluator(groups: [RuleGroupDefinition], datasource: any Datasource, externalLabels: [String: String], externalURL: String) -> any RuleEvaluating {
            QueryEchoEvaluator(datasource: datasource)
        }
    }

    static let rule = AlertingRuleDefinition(name: "HighICMPPacketLoss", expression: "probe_icmp_packet_loss_ratio > 0.2",
                                             labels: ["severity": "warning"], annotations: ["summary": "packet loss"])
    static let ruleFile = """
    groups:
      - name: network
        rules:
          - alert: HighICMPPacketLoss
            expr: probe_icmp_packet_loss_ratio > 0.2
            labels: {severity: warning}
            annotations: {summary: packet loss}

    """

    static func testFile(wrongAt minute: Int?) -> String {
        func loss(_ instance: String) -> String {
            "          - {exp_labels: {instance: \(instance), job: icmp, severity: warning}, exp_annotations: {summary: packet loss}}"
        }
        var text = """
        rule_files: [rules.yml]
        evaluation_interval: 30s
        tests:
          - interval: 1m
            input_series:
              - series: 'probe_icmp_packet_loss_ratio{instance="pi0", job="icmp"}'
                values: '0 0.5 _ 0 +Inf 0.1-0.1x2'
              - series: 'probe_icmp_packet_loss_ratio{instance="pi1", job="icmp"}'
                values: '1x3 NaN 0.3'
              - series: 'probe_icmp_packet_loss_ratio{instance="pi2", job="icmp"}'
                values: '1 stale 1 stale'
            alert_rule_test:
              - eval_time: 0m
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi1"))
        \(loss("pi2"))
              - eval_time: 100s
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi1"))
        \(loss("pi0"))
              - eval_time: 2m
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi2"))
        \(loss("pi0"))
        \(loss("pi1"))
              - eval_time: 3m
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi1"))
              - eval_time: 4m
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi0"))
              - eval_time: 5m
                alertname: HighICMPPacketLoss
                exp_alerts:
        \(loss("pi1"))

        """
        if let minute {
            text += """
                  - eval_time: \(minute)m
                    alertname: HighICMPPacketLoss
                    exp_alerts: []

            """
        }
        return text
    }

    static func both(_ test: String) async throws -> (promtool: CommandResult, ours: (String, String, Int32)) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("rules.yml", Self.ruleFile)
        let file = try directory.write("test.yml", test)
        let promtool = try await Command.runOffPool("promtool", ["test", "rules", file])
        final class Sink: @unchecked Sendable { var out = ""; var err = "" }
        let sink = Sink()
        let group = RuleGroupDefinition(name: "network", file: directory.path + "/rules.yml", rules: [.alerting(Self.rule)])
        let runner = RuleTestRunner(evaluators: EchoFactory(groups: [group]), store: PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource))
        let status = await RuleTestCommandOutput.run([file], runner: runner, stdout: { sink.out += $0 }, stderr: { sink.err += $0 })
        return (promtool, (sink.out, sink.err, status))
    }

    @Test func passingFileAgreesWithPromtool() async throws {
        let (promtool, (out, err, status)) = try await Self.both(Self.testFile(wrongAt: nil))
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")
        #expect(status == 0, "\(out)\(err)")
        #expect(out == promtool.stdout)
        #expect(err == promtool.stderr)
    }

    @Test func failingFileAgreesWithPromtoolByteForByte() async throws {
        let (promtool, (out, err, status)) = try await Self.both(Self.testFile(wrongAt: 1))
        #expect(promtool.status == 1 && status == 1)
        #expect(out == promtool.stdout)
        #expect(err == promtool.stderr)
        #expect(err.contains("alertname: HighICMPPacketLoss, time: 1m, \n        exp:[], \n        got:[\n"))
    }
}
