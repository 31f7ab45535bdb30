/// One `promtool test rules` file (Prometheus 2.42, `cmd/promtool/unittest.go`): the rule files
/// under test, the evaluation interval, the group order and the test groups.
public struct RuleTestFile: Sendable, Equatable {
    /// The test file's path as given on the command line (printed in `Unit Testing:  FILE`).
    public var path: String
    /// `rule_files:`, resolved against the test file's directory and globbed, in the order written.
    public var ruleFiles: [String]
    /// `rule_files:` patterns that matched no file (promtool warns `  WARNING: no file match pattern P`).
    public var unmatchedPatterns: [String]
    /// `evaluation_interval:` in milliseconds; 60 000 (1m) when absent or 0, as promtool.
    public var evaluationInterval: Int64
    /// `group_eval_order:` — group names evaluated first, in this order.
    public var groupEvaluationOrder: [String]
    /// `tests:`
    public var tests: [RuleTestGroup]

    public init(path: String, ruleFiles: [String], unmatchedPatterns: [String] = [], evaluationInterval: Int64 = 60_000,
                groupEvaluationOrder: [String] = [], tests: [RuleTestGroup]) {
        self.path = path
        self.ruleFiles = ruleFiles
        self.unmatchedPatterns = unmatchedPatterns
        self.evaluationInterval = evaluationInterval
        self.groupEvaluationOrder = groupEvaluationOrder
        self.tests = tests
    }
}

/// One entry of `tests:`: input series and what to expect from them.
public struct RuleTestGroup: Sendable, Equatable {
    /// `name:` (printed as `name: N,` in failures), empty when absent.
    public var name: String
    /// `interval:` between the points of `input_series`, in milliseconds. Prometheus 2.42 does NOT
    /// default it to `evaluation_interval`: absent means 0, every point lands on time 0 and the
    /// first one wins (measured with promtool 2.42; later versions changed the default).
    public var interval: Int64
    public var inputSeries: [InputSeries]
    public var alertRuleTests: [AlertRuleTest]
    public var promqlExpressionTests: [PromQLExpressionTest]
    /// `external_labels:`, visible to templates as `$externalLabels`.
    public var externalLabels: [String: String]
    /// `external_url:`, visible to templates as `$externalURL`.
    public var externalURL: String

    public init(name: String = "", interval: Int64 = 0, inputSeries: [InputSeries] = [], alertRuleTests: [AlertRuleTest] = [],
                promqlExpressionTests: [PromQLExpressionTest] = [], externalLabels: [String: String] = [:],
                externalURL: String = "") {
        self.name = name
        self.interval = interval
        self.inputSeries = inputSeries
        self.alertRuleTests = alertRuleTests
        self.promqlExpressionTests = promqlExpressionTests
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }

    /// The latest `eval_time` of all its alert and PromQL tests, in milliseconds (promtool's maxEvalTime).
    public var maximumEvaluationTime: Int64 {
        (alertRuleTests.map(\.evaluationTime) + promqlExpressionTests.map(\.evaluationTime)).max() ?? 0
    }
}

/// One `input_series` entry: a series and its points.
public struct InputSeries: Sendable, Equatable {
    /// The labels of `series:` (with `__name__`).
    public var labels: [String: String]
    /// `values:` expanded: one point per `interval`, starting at time 0.
    public var points: [SeriesPoint]

    public init(labels: [String: String], points: [SeriesPoint]) {
        self.labels = labels
        self.points = points
    }
}

/// One `alert_rule_test` entry.
public struct AlertRuleTest: Sendable, Equatable {
    /// `eval_time:` in milliseconds since time 0.
    public var evaluationTime: Int64
    /// `alertname:` (required).
    public var alertName: String
    /// `exp_alerts:` — the firing alerts expected; `alertname` is added to their labels.
    public var expectedAlerts: [ExpectedAlert]

    public init(evaluationTime: Int64, alertName: String, expectedAlerts: [ExpectedAlert]) {
        self.evaluationTime = evaluationTime
        self.alertName = alertName
        self.expectedAlerts = expectedAlerts
    }
}

/// One `exp_alerts` entry.
public struct ExpectedAlert: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.labels = labels
        self.annotations = annotations
    }
}

/// One `promql_expr_test` entry: an instant query and the samples it must return.
public struct PromQLExpressionTest: Sendable, Equatable {
    public var expression: String
    /// `eval_time:` in milliseconds since time 0.
    public var evaluationTime: Int64
    public var expectedSamples: [ExpectedSample]

    public init(expression: String, evaluationTime: Int64, expectedSamples: [ExpectedSample]) {
        self.expression = expression
        self.evaluationTime = evaluationTime
        self.expectedSamples = expectedSamples
    }
}

/// One `exp_samples` entry: `labels:` in series-selector syntax (`name{a="b"}`) and `value:`.
public struct ExpectedSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }

    public static func == (lhs: ExpectedSample, rhs: ExpectedSample) -> Bool {
        lhs.labels == rhs.labels && lhs.value.bitPattern == rhs.value.bitPattern
    }
}
