/// One alerting rule as written in a Prometheus rule file (`rules/alerting.go`'s configuration):
/// `alert`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`. Labels and annotations are
/// Go-template sources, expanded per alert instance.
public struct AlertingRuleDefinition: Sendable, Equatable {
    /// `alert:`, the value of the `alertname` label.
    public var name: String
    /// `expr:`, PromQL sent to the datasource as it is (we do not parse PromQL).
    public var expression: String
    /// `for:`, in seconds (0 when absent: the alert fires at once).
    public var holdDuration: Double
    /// `keep_firing_for:`, in seconds (0 when absent).
    public var keepFiringFor: Double
    /// `labels:` (template sources), added to every instance; they may change its identity.
    public var labels: [String: String]
    /// `annotations:` (template sources).
    public var annotations: [String: String]
    /// The rule file and the 1-based line of the rule's `alert:` key, for messages.
    public var file: String
    public var line: Int

    public init(name: String, expression: String, holdDuration: Double = 0, keepFiringFor: Double = 0,
                labels: [String: String] = [:], annotations: [String: String] = [:], file: String = "", line: Int = 0) {
        self.name = name
        self.expression = expression
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        self.file = file
        self.line = line
    }
}

/// A recording rule (`record:`). Prometheus evaluates those; alertmanager-lite loads them, warns
/// that it does not evaluate them, and lists them on `/api/v1/rules`.
public struct RecordingRuleDefinition: Sendable, Equatable {
    public var name: String
    public var expression: String
    public var labels: [String: String]
    public var file: String
    public var line: Int

    public init(name: String, expression: String, labels: [String: String] = [:], file: String = "", line: Int = 0) {
        self.name = name
        self.expression = expression
        self.labels = labels
        self.file = file
        self.line = line
    }
}

/// One rule of a group, in file order.
public enum RuleDefinition: Sendable, Equatable {
    case alerting(AlertingRuleDefinition)
    case recording(RecordingRuleDefinition)

    public var name: String {
        switch self {
        case let .alerting(rule): rule.name
        case let .recording(rule): rule.name
        }
    }
}

/// One `groups:` entry of a rule file: `name`, `interval`, `limit`, `rules`.
public struct RuleGroupDefinition: Sendable, Equatable {
    public var name: String
    /// The rule file it came from (as matched by the `rule_files` glob).
    public var file: String
    /// `interval:` in seconds; nil means the config's `evaluation_interval`.
    public var interval: Double?
    /// `limit:` — an evaluation producing more alert instances than this fails (0: no limit).
    public var limit: Int
    public var rules: [RuleDefinition]

    public init(name: String, file: String, interval: Double? = nil, limit: Int = 0, rules: [RuleDefinition]) {
        self.name = name
        self.file = file
        self.interval = interval
        self.limit = limit
        self.rules = rules
    }
}
