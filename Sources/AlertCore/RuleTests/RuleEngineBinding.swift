/// Where `alertmanager-lite test rules` and `replay` get the real rule evaluator, the rule-file
/// loader and the Prometheus datasource. They live on other branches (`eval`: RuleManager and
/// PrometheusDatasource; `rules`: the rule-file loader; the config loader), so until those are
/// merged these are nil and the commands say what is missing instead of running.
///
/// MERGE: set ``evaluators`` to an adapter of the RuleManager (see ``RuleEvaluatorFactory``),
/// ``makeDatasource`` to `{ url in PrometheusDatasource(url: url) }`, and ``replaySource`` to a
/// reader of `--config.file` (the daemon's config loader).
public enum RuleEngineBinding {
    public static let evaluators: (any RuleEvaluatorFactory)? = nil
    public static let makeDatasource: (@Sendable (String) -> any Datasource)? = nil
    /// Reads `--config.file` (nil: the embedded default) into what a replay needs.
    public static let replaySource: (@Sendable (String?) throws -> ReplaySource)? = nil

    /// Why the commands cannot run yet, or nil when everything is wired.
    public static var missing: String? {
        var parts: [String] = []
        if evaluators == nil { parts.append("the rule evaluator (RuleManager adapter)") }
        if makeDatasource == nil { parts.append("the Prometheus datasource") }
        return parts.isEmpty ? nil : "not wired yet: " + parts.joined(separator: " and ")
            + " (RuleEngineBinding in Sources/AlertCore/RuleTests/RuleEngineBinding.swift)"
    }
}

/// What a replay reads from the daemon's config: the rule groups, the datasource and the defaults.
public struct ReplaySource: Sendable {
    public var groups: [RuleGroupDefinition]
    public var datasource: any Datasource
    /// `evaluation_interval` in seconds.
    public var evaluationInterval: Double
    public var externalLabels: [String: String]
    public var externalURL: String

    public init(groups: [RuleGroupDefinition], datasource: any Datasource, evaluationInterval: Double,
                externalLabels: [String: String] = [:], externalURL: String = "") {
        self.groups = groups
        self.datasource = datasource
        self.evaluationInterval = evaluationInterval
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }
}
