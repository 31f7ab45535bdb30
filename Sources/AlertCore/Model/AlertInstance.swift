/// An alert's state, as Prometheus names them (`rules/alerting.go`).
public enum AlertState: String, Sendable, Equatable, Codable {
    case inactive
    case pending
    case firing
}

/// One alert instance of a rule: identity labels (result labels minus `__name__`, plus the
/// templated rule labels, plus `alertname`), its annotations and its timers. Times are Unix seconds.
/// This is what the state store persists and what the APIs show.
public struct AlertInstance: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var state: AlertState
    /// The value of the sample that produced the alert at the last evaluation.
    public var value: Double
    /// When it first became pending (Prometheus's ActiveAt).
    public var activeAt: Double
    /// When it started firing (nil while pending).
    public var firedAt: Double?
    /// When it resolved (nil while active). Resolved alerts are kept 15 minutes.
    public var resolvedAt: Double?
    /// Since when the expression no longer returned it while `keep_firing_for` held it firing.
    public var keepFiringSince: Double?
    /// The last evaluation (Unix seconds) that saw it.
    public var lastEvaluatedAt: Double

    public init(labels: [String: String], annotations: [String: String] = [:], state: AlertState, value: Double,
                activeAt: Double, firedAt: Double? = nil, resolvedAt: Double? = nil, keepFiringSince: Double? = nil,
                lastEvaluatedAt: Double) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.keepFiringSince = keepFiringSince
        self.lastEvaluatedAt = lastEvaluatedAt
    }
}

/// Where an alert rule's state lives across restarts and reloads: the rule file, the group, the
/// rule's name and its position among same-named rules of the group (Prometheus's CopyState key),
/// and a fingerprint of its definition, so a changed rule does not inherit state.
public struct RuleStateKey: Sendable, Hashable, Codable {
    public var file: String
    public var group: String
    public var rule: String
    /// 0 for the first rule of that name in the group, 1 for the second, …
    public var ordinal: Int
    /// Hash of the rule's definition (expr, for, keep_firing_for, labels, annotations).
    public var definitionHash: String

    public init(file: String, group: String, rule: String, ordinal: Int, definitionHash: String) {
        self.file = file
        self.group = group
        self.rule = rule
        self.ordinal = ordinal
        self.definitionHash = definitionHash
    }
}
