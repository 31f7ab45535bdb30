@testable import AlertCore
import TestSupport
import Testing
import VandineCore

@Suite struct RuleTestFileTests {
    @Test func parsesEveryKeyWithPromtoolsDefaults() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("a.yml", "groups: []\n")
        _ = try directory.write("b.yml", "groups: []\n")
        let yaml = """
        rule_files: ['*.yml', missing.yml]
        group_eval_order: [second, first]
        tests:
          - name: one
            interval: 30s
            external_labels: {site: home}
            external_url: http://am.example
            input_series:
              - series: 'up{job="node"}'
                values: '1 0x2 _ stale'
            alert_rule_test:
              - eval_time: 90s
                alertname: NodeDown
                exp_alerts:
                  - exp_labels: {job: node}
                    exp_annotations: {summary: down}
              - alertname: Other
            promql_expr_test:
              - expr: up == 0
                eval_time: 1m
                exp_samples:
                  - labels: 'up{job="node"}'
                    value: 0
                  - labels: '{}'
                    value: .inf
          - input_series: []
        """
        let file = try RuleTestFile.parse(yaml: yaml, path: "t.yml", directory: directory.path)
        #expect(file.ruleFiles == [directory.path + "/a.yml", directory.path + "/b.yml"])
        #expect(file.unmatchedPatterns == [directory.path + "/missing.yml"])
        #expect(file.evaluationInterval == 60_000)
        #expect(file.groupEvaluationOrder == ["second", "first"])
        #expect(file.tests.count == 2)
        let test = file.tests[0]
        #expect(test.name == "one")
        #expect(test.interval == 30_000)
        #expect(test.externalLabels == ["site": "home"])
        #expect(test.externalURL == "http://am.example")
        #expect(test.inputSeries == [InputSeries(labels: ["__name__": "up", "job": "node"],
                                                 points: [.value(1), .value(0), .value(0), .value(0), .omitted, .stale])])
        #expect(test.alertRuleTests == [
            AlertRuleTest(evaluationTime: 90_000, alertName: "NodeDown",
                          expectedAlerts: [ExpectedAlert(labels: ["job": "node"], annotations: ["summary": "down"])]),
            AlertRuleTest(evaluationTime: 0, alertName: "Other", expectedAlerts: []),
        ])
        #expect(test.promqlExpressionTests == [PromQLExpressionTest(expression: "up == 0", evaluationTime: 60_000, expectedSamples: [
            ExpectedSample(labels: ["__name__": "up", "job": "node"], value: 0), ExpectedSample(labels: [:], value: .infinity),
        ])])
        #expect(test.maximumEvaluationTime == 90_000)
        // promtool 2.42: no `interval` means 0 (not evaluation_interval).
        #expect(file.tests[1].interval == 0)
    }

    @Test func evaluationIntervalZeroMeansOneMinute() throws {
        let file = try RuleTestFile.parse(yaml: "evaluation_interval: 0s\ntests: []\n", path: "t.yml", directory: "")
        #expect(file.evaluationInterval == 60_000)
        let other = try RuleTestFile.parse(yaml: "evaluation_interval: 15s\n", path: "t.yml", directory: "")
        #expect(other.evaluationInterval == 15_000)
    }

    /// (file text, the exact one-line error)
    static let invalid: [(String, String)] = [
        ("tests:\n  - intervall: 1m\n", #"t.yml:2:5: tests[0].intervall: unknown key "intervall" (known keys: alert_rule_test, external_labels, external_url, input_series, interval, name, promql_expr_test)"#),
        ("tests:\n  - input_series:\n      - series: up\n        values: '1 x'\n", #"t.yml:4:17: tests[0].input_series[0].values: bad values "1 x": character 3: unexpected "x", expected a number, "_" or "stale""#),
        ("tests:\n  - input_series:\n      - series: 'up{a=~\"b\"}'\n        values: '1'\n", #"t.yml:3:17: tests[0].input_series[0].series: bad series "up{a=~"b"}": character 6: expected "=" after label a (only = is allowed in a series)"#),
        ("evaluation_interval: 1 minute\n", #"t.yml:1:22: evaluation_interval: must be a duration like 500ms, 10s or 1m30s, got "1 minute""#),
        ("group_eval_order: [a, a]\n", "t.yml:1:23: group_eval_order[1]: group name repeated in evaluation order: a"),
        ("tests:\n  - alert_rule_test:\n      - eval_time: 1m\n        alertname: A\n        exp_alerts:\n          - exp_label: {a: b}\n", #"t.yml:6:13: tests[0].alert_rule_test[0].exp_alerts[0].exp_label: unknown key "exp_label" (known keys: exp_annotations, exp_labels)"#),
        ("tests:\n  - input_series:\n      - values: '1'\n", #"t.yml:3:9: tests[0].input_series[0]: missing required key "series""#),
    ]

    @Test(arguments: invalid.indices)
    func rejectsWithFileLineAndKeyPath(_ index: Int) {
        let (yaml, message) = Self.invalid[index]
        #expect(throws: ConfigError.self) { try RuleTestFile.parse(yaml: yaml, path: "t.yml", directory: "") }
        do { _ = try RuleTestFile.parse(yaml: yaml, path: "t.yml", directory: "") } catch {
            #expect(error.description == message)
        }
    }
}
