/// The narrow part of the rule evaluator that `test rules` and `replay` drive: evaluate one group
/// at a Unix time chosen by the caller (a virtual clock), keeping alert state between calls.
///
/// The real one is ``RuleManagerEvaluator`` (over ``RuleManager``); tests of the runner and the
/// replay also use doubles.
public protocol RuleEvaluating: Sendable {
    /// Evaluates every rule of `group` once at `time` (Unix seconds) against the evaluator's
    /// datasource, rules in order, as one scheduled round would, and returns every rule's result
    /// in rule order. Alert state (pending/firing timers, `keep_firing_for`, resolved alerts kept
    /// 15 minutes) carries over from the previous call for the same group.
    func evaluate(_ group: RuleGroupDefinition, at time: Double) async -> [RuleEvaluation]
}

/// One rule after one evaluation.
public struct RuleEvaluation: Sendable, Equatable {
    public var rule: RuleDefinition
    /// The rule's alert instances after the evaluation: pending, firing and resolved ones still
    /// kept (`state` says which). Always empty for a recording rule.
    public var alerts: [AlertInstance]
    /// The evaluation's error, worded as Prometheus words it (the datasource's message for a
    /// query error; `exceeded limit of 1 with 2 alerts` for a group limit); nil when it worked.
    public var error: String?

    public init(rule: RuleDefinition, alerts: [AlertInstance], error: String? = nil) {
        self.rule = rule
        self.alerts = alerts
        self.error = error
    }
}

/// Builds what a rule test or a replay needs: the rule groups of some rule files, and fresh
/// evaluators (no state) over a datasource.
public protocol RuleEvaluatorFactory: Sendable {
    /// Loads `files` (Prometheus rule-file format) into groups, in file order then group order.
    /// Throws an error whose description is one line per problem, each naming file and line.
    func loadGroups(files: [String]) throws -> [RuleGroupDefinition]
    /// A new evaluator with no alert state for `groups` that queries `datasource`; templates see
    /// `externalLabels` as `$externalLabels` and `externalURL` as `$externalURL`.
    func makeEvaluator(groups: [RuleGroupDefinition], datasource: any Datasource, externalLabels: [String: String],
                       externalURL: String) -> any RuleEvaluating
}

/// Makes a test group's input series queryable through a ``Datasource`` (the real one backfills a
/// temporary Prometheus: ``PrometheusBackfill``).
public protocol TestSeriesStore: Sendable {
    /// Loads `series` with one point every `interval` milliseconds from time 0. The caller
    /// closes what it gets back.
    func load(_ series: [InputSeries], interval: Int64) async throws -> any LoadedTestSeries
}

/// Input series loaded somewhere a datasource can query them.
public protocol LoadedTestSeries: Sendable {
    var datasource: any Datasource { get }
    /// Releases what the load started (the temporary Prometheus and its folder).
    func close() async
}
