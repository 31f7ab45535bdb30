import VandineCore

/// Runs `promtool test rules` files against our evaluator, step by step with a virtual clock,
/// and collects promtool's failure texts (Prometheus 2.42, `cmd/promtool/unittest.go`):
///
/// - every test group starts from a fresh evaluator at time 0 (Unix epoch, as promtool), and all
///   groups are evaluated at 0, `evaluation_interval`, 2·`evaluation_interval`, … up to the
///   group's latest `eval_time`, whatever the rule groups' own `interval`;
/// - an `alert_rule_test` at `eval_time` is checked against the evaluation at the step `ts` with
///   `ts ≤ eval_time < ts + evaluation_interval`; only `firing` alerts count, compared on labels
///   (with `alertname` added to the expected ones) and annotations, in any order;
/// - a rule evaluation error ends the test group with `rule: R, time: T, err: E`.
public struct RuleTestRunner: Sendable {
    public let evaluators: any RuleEvaluatorFactory
    public let store: any TestSeriesStore

    public init(evaluators: any RuleEvaluatorFactory, store: any TestSeriesStore) {
        self.evaluators = evaluators
        self.store = store
    }

    /// The outcome of one test file: promtool's warnings and error blocks (empty when it passed).
    public struct FileResult: Sendable, Equatable {
        public var warnings: [String] = []
        public var errors: [String] = []
        public var passed: Bool { errors.isEmpty }
    }

    /// Reads and runs the test file at `path`; a file that does not load is one error.
    public func run(path: String) async -> FileResult {
        let file: RuleTestFile
        do { file = try RuleTestFile.load(path: path) } catch { return FileResult(errors: ["\(error)"]) }
        return await run(file)
    }

    public func run(_ file: RuleTestFile) async -> FileResult {
        var result = FileResult(warnings: file.unmatchedPatterns.map { "  WARNING: no file match pattern \($0)" })
        let groups: [RuleGroupDefinition]
        do { groups = try evaluators.loadGroups(files: file.ruleFiles) } catch {
            result.errors.append("\(error)")
            return result
        }
        for group in groups {
            for case let .recording(rule) in group.rules {
                result.warnings.append("  WARNING: recording rule \(rule.name) (\(group.name)) is not evaluated by alertmanager-lite; Prometheus evaluates recording rules")
            }
        }
        let ordered = Self.ordered(groups, by: file.groupEvaluationOrder)
        for test in file.tests {
            result.errors += await run(test, groups: ordered, evaluationInterval: file.evaluationInterval)
        }
        return result
    }

    /// promtool's `orderedGroups`: groups named in `group_eval_order` in that order. promtool
    /// guarantees nothing for the others (they sort as position 0, in random map order); here they
    /// come after the named ones, in file order, so runs are repeatable.
    static func ordered(_ groups: [RuleGroupDefinition], by order: [String]) -> [RuleGroupDefinition] {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return groups.enumerated().sorted { lhs, rhs in
            let (left, right) = (rank[lhs.element.name] ?? order.count, rank[rhs.element.name] ?? order.count)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// Runs one test group; returns its error blocks.
    func run(_ test: RuleTestGroup, groups: [RuleGroupDefinition], evaluationInterval: Int64) async -> [String] {
        if let nameless = test.alertRuleTests.first(where: { $0.alertName.isEmpty }) {
            let inGroup = test.name.isEmpty ? "" : " (in TestGroup \(test.name))"
            return ["an item under alert_rule_test misses required attribute alertname at eval_time \(PrometheusDurationText.string(nameless.evaluationTime))\(inGroup)"]
        }
        let loaded: any LoadedTestSeries
        do { loaded = try await store.load(test.inputSeries, interval: test.interval) } catch {
            return ["\(error)"]
        }
        let errors = await run(test, groups: groups, evaluationInterval: evaluationInterval, datasource: loaded.datasource)
        await loaded.close()
        return errors
    }

    func run(_ test: RuleTestGroup, groups: [RuleGroupDefinition], evaluationInterval: Int64, datasource: any Datasource) async -> [String] {
        let evaluator = evaluators.makeEvaluator(groups: groups, datasource: datasource, externalLabels: test.externalLabels, externalURL: test.externalURL)
        let checkTimes = Array(Set(test.alertRuleTests.map(\.evaluationTime))).sorted()
        var next = 0
        var errors: [String] = []
        let end = test.maximumEvaluationTime
        var latest = Array(repeating: [RuleEvaluation](), count: groups.count)
        var step: Int64 = 0
        while step <= end {
            var evaluationErrors: [String] = []
            for (index, group) in groups.enumerated() {
                latest[index] = await evaluator.evaluate(group, at: Double(step) / 1000)
                for evaluation in latest[index] {
                    if let error = evaluation.error {
                        evaluationErrors.append("    rule: \(evaluation.rule.name), time: \(GoText.duration(milliseconds: step)), err: \(error)")
                    }
                }
            }
            errors += evaluationErrors
            if !evaluationErrors.isEmpty { return errors }

            while next < checkTimes.count, step <= checkTimes[next], checkTimes[next] < step + evaluationInterval {
                let time = checkTimes[next]
                for testCase in test.alertRuleTests where testCase.evaluationTime == time {
                    let got = AlertComparison.firing(named: testCase.alertName, in: latest.flatMap { $0 })
                    let expected = AlertComparison.expected(testCase)
                    if got != expected {
                        errors.append(AlertComparison.failure(testName: test.name, alertName: testCase.alertName, time: time,
                                                              expected: expected, got: got))
                    }
                }
                next += 1
            }
            step += evaluationInterval
        }
        for testCase in test.promqlExpressionTests {
            errors += await check(testCase, datasource: datasource)
        }
        return errors
    }

    /// A `promql_expr_test`: the instant query's samples against `exp_samples`, compared exactly
    /// (a NaN never equals anything, as Go's `reflect.DeepEqual`).
    func check(_ testCase: PromQLExpressionTest, datasource: any Datasource) async -> [String] {
        let time = PrometheusDurationText.string(testCase.evaluationTime)
        let samples: [Sample]
        do {
            samples = try await datasource.query(testCase.expression, at: Double(testCase.evaluationTime) / 1000)
        } catch {
            return ["    expr: \(GoText.quote(testCase.expression)), time: \(time), err: \(error)"]
        }
        let got = samples.map { ExpectedSample(labels: $0.labels, value: $0.value) }.sorted(by: AlertComparison.labelOrder)
        let expected = testCase.expectedSamples.sorted(by: AlertComparison.labelOrder)
        let equal = got.count == expected.count && zip(got, expected).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
        guard !equal else { return [] }
        func text(_ samples: [ExpectedSample]) -> String {
            samples.isEmpty ? "nil" : samples.map { GoText.labels($0.labels) + " " + GoText.exponent($0.value) }.joined(separator: ", ")
        }
        return ["    expr: \(GoText.quote(testCase.expression)), time: \(time),\n        exp: \(text(expected))\n        got: \(text(got))"]
    }
}

/// Prometheus's `model.Duration.String()` (`0s`, `5m`, `1h30m`, `1d`), which promtool prints
/// for `eval_time`.
enum PrometheusDurationText {
    static func string(_ milliseconds: Int64) -> String {
        PrometheusDuration(milliseconds: milliseconds).description
    }
}
