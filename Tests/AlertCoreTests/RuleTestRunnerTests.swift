@testable import AlertCore
import TestSupport
import Testing

/// The runner's stepping, comparison and printing, with a scripted evaluator standing in for the
/// real one: its output must be byte for byte what promtool 2.42 prints for the same file (run
/// live here), given the alert states Prometheus produces for it.
@Suite struct RuleTestRunnerTests {
    static let failures = repositoryRoot + "/Tests/AlertCoreTests/Fixtures/promtool-failures"

    static let nodeDown = AlertingRuleDefinition(name: "NodeDown", expression: #"up{job="node"} == 0"#, holdDuration: 120,
                                                 labels: ["severity": "critical"])
    static let nodes = RuleGroupDefinition(name: "nodes", file: "nodes.yml", rules: [.alerting(nodeDown)])

    /// Runs `files` through our command output with `factory`, returning (stdout, stderr, status).
    static func ours(_ files: [String], _ factory: ScriptedEvaluatorFactory, datasource: TableDatasource = TableDatasource(answers: [:])) async -> (String, String, Int32) {
        final class Sink: @unchecked Sendable { var out = ""; var err = "" }
        let sink = Sink()
        let status = await RuleTestCommandOutput.run(files, runner: RuleTestRunner(evaluators: factory, store: TableSeriesStore(datasource: datasource)),
                                                     stdout: { sink.out += $0 }, stderr: { sink.err += $0 })
        return (sink.out, sink.err, status)
    }

    @Test func wrongExpectationPrintsPromtoolsBlocks() async throws {
        let file = Self.failures + "/node-down-wrong-expectation.yml"
        // up{instance="pi1:9100"} is 1 then 0 from 1m, for: 2m: pending at 1m and 2m, firing from 3m.
        let factory = ScriptedEvaluatorFactory(groups: [Self.nodes]) { _, time in
            let labels = ["alertname": "NodeDown", "instance": "pi1:9100", "job": "node", "severity": "critical"]
            let annotations = ["summary": "pi1:9100 is down", "description": "pi1:9100 has not answered a scrape for 2 minutes."]
            let alerts = time < 60 ? [] : [AlertInstance(labels: labels, annotations: annotations, state: time >= 180 ? .firing : .pending,
                                                          value: 0, activeAt: 60, lastEvaluatedAt: time)]
            return [RuleEvaluation(rule: .alerting(Self.nodeDown), alerts: alerts)]
        }
        let promtool = try await Command.runOffPool("promtool", ["test", "rules", file])
        let (out, err, status) = await Self.ours([file], factory)
        #expect(promtool.status == 1)
        #expect(status == 1)
        #expect(out == promtool.stdout)
        #expect(err == promtool.stderr)
        #expect(err.contains("    name: pending is not firing,\n    alertname: NodeDown, time: 2m, \n"))
    }

    @Test func evaluationErrorStopsTheGroupAsPromtool() async throws {
        let file = Self.failures + "/services-limit-exceeded.yml"
        let rule = AlertingRuleDefinition(name: "ServiceDown", expression: #"probe_success{job="tcp"} == 0"#)
        let group = RuleGroupDefinition(name: "services", file: "services.yml", limit: 3, rules: [.alerting(rule)])
        final class Calls: @unchecked Sendable { var times: [Double] = [] }
        let calls = Calls()
        let factory = ScriptedEvaluatorFactory(groups: [group]) { _, time in
            calls.times.append(time)
            return [RuleEvaluation(rule: .alerting(rule), alerts: [], error: "exceeded limit of 3 with 4 alerts")]
        }
        let promtool = try await Command.runOffPool("promtool", ["test", "rules", file])
        let (out, err, status) = await Self.ours([file], factory)
        #expect(promtool.status == 1 && status == 1)
        #expect(out == promtool.stdout)
        #expect(err == promtool.stderr)
        #expect(calls.times == [0], "nothing is evaluated after the failing step")
    }

    @Test func passingFileAndStepsUpToTheLastEvalTime() async throws {
        let file = repositoryRoot + "/monitoring/prometheus/rules/tests/node-down-for-boundary.yml"
        final class Calls: @unchecked Sendable { var times: [Double] = [] }
        let calls = Calls()
        let factory = ScriptedEvaluatorFactory(groups: [Self.nodes]) { _, time in
            calls.times.append(time)
            let labels = ["alertname": "NodeDown", "instance": "pi1:9100", "job": "node", "severity": "critical"]
            let annotations = ["summary": "pi1:9100 is down", "description": "pi1:9100 has not answered a scrape for 2 minutes."]
            let alerts = time < 60 ? [] : [AlertInstance(labels: labels, annotations: annotations, state: time >= 180 ? .firing : .pending,
                                                          value: 0, activeAt: 60, lastEvaluatedAt: time)]
            return [RuleEvaluation(rule: .alerting(Self.nodeDown), alerts: alerts)]
        }
        let promtool = try await Command.runOffPool("promtool", ["test", "rules", file])
        let (out, err, status) = await Self.ours([file], factory)
        #expect(promtool.status == 0 && status == 0)
        #expect(out == promtool.stdout)
        #expect(err == promtool.stderr)
        #expect(calls.times == [0, 60, 120, 180], "eval_time 2m59s is checked against the 2m evaluation")
    }

    @Test func promqlExpressionTestsGoThroughTheDatasource() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("p.yml", """
        tests:
          - interval: 1m
            input_series:
              - series: 'm{instance="x"}'
                values: '5 0.30000000000000004'
            promql_expr_test:
              - expr: m
                eval_time: 1m
                exp_samples:
                  - labels: 'm{instance="x"}'
                    value: 3
              - expr: m
                eval_time: 0m
                exp_samples:
                  - labels: 'm{instance="x"}'
                    value: 5
              - expr: vector(1)
                eval_time: 0m
                exp_samples:
                  - labels: '{}'
                    value: 1
              - expr: bad(
                eval_time: 0m

        """)
        let datasource = TableDatasource(answers: [
            "m@60.0": [Sample(labels: ["__name__": "m", "instance": "x"], value: 0.30000000000000004)],
            "m@0.0": [Sample(labels: ["__name__": "m", "instance": "x"], value: 5)],
            "vector(1)@0.0": [Sample(labels: [:], value: 1)],
        ])
        let (out, err, status) = await Self.ours([file], ScriptedEvaluatorFactory(groups: []) { _, _ in [] }, datasource: datasource)
        #expect(status == 1)
        #expect(out == "Unit Testing:  \(file)\n\n\n\n")
        #expect(err == """
          FAILED:
            expr: "m", time: 1m,
                exp: {__name__="m", instance="x"} 3E+00
                got: {__name__="m", instance="x"} 3.0000000000000004E-01
            expr: "bad(", time: 0s, err: bad_data: no answer for bad( at 0.0

        """)
    }

    @Test func missingAlertnameAndUnreadableFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("n.yml", "tests:\n  - name: g\n    alert_rule_test:\n      - eval_time: 5m\n")
        let (_, err, status) = await Self.ours([file, directory.path + "/absent.yml"], ScriptedEvaluatorFactory(groups: []) { _, _ in [] })
        #expect(status == 1)
        #expect(err.contains("  FAILED:\nan item under alert_rule_test misses required attribute alertname at eval_time 5m (in TestGroup g)\n"))
        #expect(err.contains("absent.yml: cannot read file: No such file or directory"))
    }

    @Test func groupEvalOrderFirstThenFileOrder() {
        let groups = ["a", "b", "c", "d"].map { RuleGroupDefinition(name: $0, file: "f.yml", rules: []) }
        #expect(RuleTestRunner.ordered(groups, by: ["c", "b"]).map(\.name) == ["c", "b", "a", "d"])
        #expect(RuleTestRunner.ordered(groups, by: []).map(\.name) == ["a", "b", "c", "d"])
    }
}
