import VandineCore

/// What `alertmanager-lite test rules` and `replay` run on: the daemon's own rule-file loader,
/// config reader, evaluator (``RuleManagerEvaluatorFactory``) and datasource
/// (``PrometheusDatasource``) — so a rule test exercises exactly what the daemon evaluates.
public enum RuleEngineBinding {
    /// Rule files (paths) → groups, throwing the loader's file:line errors.
    public static let loadRuleFiles: @Sendable ([String]) throws -> [RuleGroupDefinition] = { paths in
        try RuleFileLoader.load(files: paths).groups
    }

    /// Reads `--config.file` (nil: the embedded default) into what a replay needs.
    public static let replaySource: @Sendable (String?) throws -> ReplaySource = { path in
        let config = try path.map { path throws(ConfigError) in try AlertManagerLiteConfig.load(path: path) }
            ?? AlertManagerLiteConfig.defaultConfig()
        let rules = try config.loadRules()
        return ReplaySource(groups: rules.groups, datasource: PrometheusDatasource(config: config.datasource),
                            evaluationInterval: config.evaluationInterval.seconds,
                            externalLabels: config.externalLabels, externalURL: config.externalURL)
    }

    /// The evaluator factory over the real RuleManager.
    public static var evaluators: any RuleEvaluatorFactory { RuleManagerEvaluatorFactory(loadRuleFiles: loadRuleFiles) }

    /// The project's Prometheus client for a base URL (what `test rules` queries).
    public static let makeDatasource: @Sendable (String) -> any Datasource = { url in
        PrometheusDatasource(options: PrometheusDatasource.Options(url: url))
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
