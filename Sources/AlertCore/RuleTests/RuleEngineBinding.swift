/// Where `alertmanager-lite test rules` and `replay` get the rule-file loader and the config
/// reader, which live on other branches until merged; until then these are nil and the commands
/// say what is missing instead of running. The evaluator (``RuleManagerEvaluatorFactory``) and the
/// datasource (``PrometheusDatasource``) are wired.
///
/// MERGE (`rules` branch): set ``loadRuleFiles`` to the rule-file loader
/// (`[String]` paths → `[RuleGroupDefinition]`, throwing its file:line errors), and
/// ``replaySource`` to a reader of `--config.file` (the daemon's config loader).
public enum RuleEngineBinding {
    public static let loadRuleFiles: (@Sendable ([String]) throws -> [RuleGroupDefinition])? = nil
    /// Reads `--config.file` (nil: the embedded default) into what a replay needs.
    public static let replaySource: (@Sendable (String?) throws -> ReplaySource)? = nil

    /// The evaluator factory over the real RuleManager, once the loader is bound.
    public static var evaluators: (any RuleEvaluatorFactory)? {
        loadRuleFiles.map { RuleManagerEvaluatorFactory(loadRuleFiles: $0) }
    }

    /// The project's Prometheus client for a base URL (what `test rules` queries).
    public static let makeDatasource: @Sendable (String) -> any Datasource = { url in
        PrometheusDatasource(options: PrometheusDatasource.Options(url: url))
    }

    /// Why the commands cannot run yet, or nil when everything is wired.
    public static var missing: String? {
        loadRuleFiles == nil
            ? "not wired yet: the rule-file loader (RuleEngineBinding.loadRuleFiles in Sources/AlertCore/RuleTests/RuleEngineBinding.swift)"
            : nil
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
