/// One rule group's counters and gauges for `/metrics`, a snapshot taken by
/// ``RuleManager/metrics()``. The names in the docs are Prometheus's own (`rules/group.go`,
/// `rules/manager.go`); `alertmanager_lite_*` renders them with that prefix, labelled
/// `rule_group="<file>;<name>"` as Prometheus does.
public struct RuleGroupMetrics: Sendable, Equatable {
    /// A rule's state for the `state` label: the highest state of its alerts (firing > pending >
    /// inactive), or `unknown` before its first evaluation (as Prometheus 3.8+ reports).
    public enum RuleState: String, Sendable, Hashable, CaseIterable {
        case unknown, inactive, pending, firing
    }

    /// The rule file ("" for the synthetic `alertmanager-lite` group).
    public var file: String
    /// The group name.
    public var name: String
    /// The evaluation interval in seconds (`..._rule_group_interval_seconds`).
    public var interval: Double
    /// Rule evaluations so far (`..._rule_evaluations_total`); recording rules are not evaluated.
    public var evaluations: Int
    /// Failed rule evaluations (`..._rule_evaluation_failures_total`): query errors, datasource
    /// failures, `limit` exceeded, duplicate label sets.
    public var evaluationFailures: Int
    /// Rounds run (`..._rule_group_iterations_total` counts these plus the missed ones).
    public var iterations: Int
    /// Slots skipped because a round overran (`..._rule_group_iterations_missed_total`).
    public var missedIterations: Int
    /// Seconds the last round took (`..._rule_group_last_duration_seconds`).
    public var lastDuration: Double
    /// The last round's evaluation timestamp, Unix seconds (`..._rule_group_last_evaluation_timestamp_seconds`);
    /// nil before the first round.
    public var lastEvaluation: Double?
    /// Rules in the group, recording rules included (`..._rule_group_rules`).
    public var rules: Int
    /// Alerting rules by state (every case present only when non-zero).
    public var rulesByState: [RuleState: Int]
    /// Alert instances by state (`inactive` = resolved, kept 15 minutes).
    public var alertsByState: [AlertState: Int]

    /// The `rule_group` label value Prometheus uses: `<file>;<name>`.
    public var groupKey: String { file + ";" + name }

    public init(file: String, name: String, interval: Double, evaluations: Int, evaluationFailures: Int,
                iterations: Int, missedIterations: Int, lastDuration: Double, lastEvaluation: Double?,
                rules: Int, rulesByState: [RuleState: Int], alertsByState: [AlertState: Int]) {
        self.file = file
        self.name = name
        self.interval = interval
        self.evaluations = evaluations
        self.evaluationFailures = evaluationFailures
        self.iterations = iterations
        self.missedIterations = missedIterations
        self.lastDuration = lastDuration
        self.lastEvaluation = lastEvaluation
        self.rules = rules
        self.rulesByState = rulesByState
        self.alertsByState = alertsByState
    }
}
