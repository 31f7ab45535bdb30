/// A rule's health, as `/api/v1/rules` reports it (Prometheus's `rules.RuleHealth`): `unknown`
/// until its first evaluation, `ok`, or `err` with the last error.
public enum RuleHealth: String, Sendable, Equatable, Codable {
    case unknown
    case ok
    case err
}

/// One rule as the APIs, the status page and `/metrics` show it.
public struct RuleStatus: Sendable, Equatable {
    public var key: RuleStateKey
    public var definition: RuleDefinition
    public var health: RuleHealth
    /// The last evaluation's error (the datasource's message, a template or limit error).
    public var lastError: String?
    /// Unix seconds of the last evaluation; nil before the first.
    public var lastEvaluation: Double?
    /// How long the last evaluation took, in seconds.
    public var evaluationDuration: Double
    /// Its alert instances (pending, firing, and resolved ones kept for 15 minutes).
    public var alerts: [AlertInstance]

    public init(key: RuleStateKey, definition: RuleDefinition, health: RuleHealth = .unknown, lastError: String? = nil,
                lastEvaluation: Double? = nil, evaluationDuration: Double = 0, alerts: [AlertInstance] = []) {
        self.key = key
        self.definition = definition
        self.health = health
        self.lastError = lastError
        self.lastEvaluation = lastEvaluation
        self.evaluationDuration = evaluationDuration
        self.alerts = alerts
    }
}

/// One rule group as the APIs show it.
public struct GroupStatus: Sendable, Equatable {
    public var definition: RuleGroupDefinition
    /// The interval it is evaluated at, in seconds (its own or the config's `evaluation_interval`).
    public var interval: Double
    /// Unix seconds of the last round; nil before the first.
    public var lastEvaluation: Double?
    /// How long the last round took, in seconds.
    public var evaluationDuration: Double
    public var rules: [RuleStatus]

    public init(definition: RuleGroupDefinition, interval: Double, lastEvaluation: Double? = nil,
                evaluationDuration: Double = 0, rules: [RuleStatus]) {
        self.definition = definition
        self.interval = interval
        self.lastEvaluation = lastEvaluation
        self.evaluationDuration = evaluationDuration
        self.rules = rules
    }
}

/// What the HTTP layer reads: the rule groups' current status (the rule manager is the real one).
public protocol RuleStatusProvider: Sendable {
    func groupStatuses() async -> [GroupStatus]
}
