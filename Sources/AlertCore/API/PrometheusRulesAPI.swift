import FoundationEssentials

/// Prometheus's `GET /api/v1/rules` and `GET /api/v1/alerts` (web/api/v1/api.go: `RuleDiscovery`,
/// `RuleGroup`, `AlertingRule`, `RecordingRule`, `Alert`, `AlertDiscovery`), the JSON Grafana's
/// Prometheus data source reads to list rules and alerts.
public enum PrometheusRulesAPI {
    /// A response: HTTP status and the JSON body.
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    /// The query parameters `/api/v1/rules` understands: `type=alert|record`, `rule_name[]`,
    /// `rule_group[]`, `file[]`, `exclude_alerts`.
    public struct RulesQuery: Sendable {
        public var type: String?
        public var ruleNames: [String]
        public var ruleGroups: [String]
        public var files: [String]
        public var excludeAlerts: String?

        public init(type: String? = nil, ruleNames: [String] = [], ruleGroups: [String] = [], files: [String] = [],
                    excludeAlerts: String? = nil) {
            self.type = type
            self.ruleNames = ruleNames
            self.ruleGroups = ruleGroups
            self.files = files
            self.excludeAlerts = excludeAlerts
        }
    }

    /// `GET /api/v1/rules`: 200 with the groups, or 400 `bad_data` for an unknown `type` or a
    /// non-boolean `exclude_alerts` (Prometheus's messages).
    public static func rules(_ groups: [GroupStatus], query: RulesQuery = RulesQuery()) -> Response {
        let type = query.type?.lowercased() ?? ""
        guard type == "" || type == "alert" || type == "record" else {
            return error("not supported value \(quoted(query.type ?? ""))")
        }
        var excludeAlerts = false
        if let text = query.excludeAlerts, !text.isEmpty {
            guard let value = parseGoBool(text) else {
                return error("parse exclude_alerts: strconv.ParseBool: parsing \(quoted(text)): invalid syntax")
            }
            excludeAlerts = value
        }
        let filtered = type != "" || !query.ruleNames.isEmpty || !query.ruleGroups.isEmpty || !query.files.isEmpty
        var out: [Group] = []
        for group in groups {
            if !query.ruleGroups.isEmpty && !query.ruleGroups.contains(group.definition.name) { continue }
            if !query.files.isEmpty && !query.files.contains(group.definition.file) { continue }
            var rules: [Rule] = []
            for rule in group.rules {
                if !query.ruleNames.isEmpty && !query.ruleNames.contains(rule.definition.name) { continue }
                switch rule.definition {
                case let .alerting(definition) where type != "record":
                    rules.append(.alerting(alertingRule(rule, definition, excludeAlerts: excludeAlerts)))
                case let .recording(definition) where type != "alert":
                    rules.append(.recording(RecordingRule(
                        name: definition.name, query: definition.expression, labels: definition.labels.isEmpty ? nil : definition.labels,
                        health: rule.health.rawValue, lastError: nonEmpty(rule.lastError), evaluationTime: rule.evaluationDuration,
                        lastEvaluation: time(rule.lastEvaluation))))
                default:
                    break
                }
            }
            // Prometheus leaves out groups whose rules were all filtered away.
            if filtered && rules.isEmpty { continue }
            out.append(Group(name: group.definition.name, file: group.definition.file, rules: rules, interval: group.interval,
                             limit: group.definition.limit, evaluationTime: group.evaluationDuration,
                             lastEvaluation: time(group.lastEvaluation)))
        }
        return success(["groups": out])
    }

    /// `GET /api/v1/alerts`: every pending and firing alert of every alerting rule.
    public static func alerts(_ groups: [GroupStatus]) -> Response {
        var alerts: [Alert] = []
        for group in groups {
            for rule in group.rules { alerts += activeAlerts(rule) }
        }
        return success(["alerts": alerts])
    }

    // MARK: - Shapes (field names and omitempty exactly as api.go)

    struct Group: Encodable {
        var name: String
        var file: String
        var rules: [Rule]
        var interval: Double
        var limit: Int
        var evaluationTime: Double
        var lastEvaluation: String
    }

    enum Rule: Encodable {
        case alerting(AlertingRule)
        case recording(RecordingRule)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case let .alerting(rule): try rule.encode(to: encoder)
            case let .recording(rule): try rule.encode(to: encoder)
            }
        }
    }

    struct AlertingRule: Encodable {
        var state: String
        var name: String
        var query: String
        var duration: Double
        var keepFiringFor: Double
        var labels: [String: String]
        var annotations: [String: String]
        var alerts: [Alert]?
        var health: String
        var lastError: String?
        var evaluationTime: Double
        var lastEvaluation: String
        var type = "alerting"
    }

    struct RecordingRule: Encodable {
        var name: String
        var query: String
        var labels: [String: String]?
        var health: String
        var lastError: String?
        var evaluationTime: Double
        var lastEvaluation: String
        var type = "recording"
    }

    struct Alert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var activeAt: String?
        var keepFiringSince: String?
        var value: String
    }

    // MARK: - Building

    /// The rule's state: the highest of its active alerts (firing > pending > inactive); `unknown`
    /// before its first evaluation, as Prometheus 3.8+ reports it.
    public static func ruleState(_ rule: RuleStatus) -> String {
        if rule.lastEvaluation == nil { return "unknown" }
        let states = rule.alerts.filter { $0.resolvedAt == nil }.map(\.state)
        if states.contains(.firing) { return "firing" }
        if states.contains(.pending) { return "pending" }
        return "inactive"
    }

    static func alertingRule(_ rule: RuleStatus, _ definition: AlertingRuleDefinition, excludeAlerts: Bool) -> AlertingRule {
        AlertingRule(state: ruleState(rule), name: definition.name, query: definition.expression,
                     duration: definition.holdDuration, keepFiringFor: definition.keepFiringFor, labels: definition.labels,
                     annotations: definition.annotations, alerts: excludeAlerts ? nil : activeAlerts(rule),
                     health: rule.health.rawValue, lastError: nonEmpty(rule.lastError), evaluationTime: rule.evaluationDuration,
                     lastEvaluation: time(rule.lastEvaluation))
    }

    /// Prometheus's `ActiveAlerts()`: not resolved and not inactive.
    static func activeAlerts(_ rule: RuleStatus) -> [Alert] {
        guard case .alerting = rule.definition else { return [] }
        return rule.alerts.filter { $0.resolvedAt == nil && $0.state != .inactive }.map { alert in
            Alert(labels: alert.labels, annotations: alert.annotations, state: alert.state.rawValue,
                  activeAt: TimeFormat.rfc3339Nano(alert.activeAt), keepFiringSince: alert.keepFiringSince.map(TimeFormat.rfc3339Nano),
                  value: TimeFormat.goExponent(alert.value))
        }
    }

    private static func time(_ seconds: Double?) -> String {
        seconds.map(TimeFormat.rfc3339Nano) ?? TimeFormat.zeroTime
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// Go's `strconv.ParseBool`.
    static func parseGoBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    private static func quoted(_ text: String) -> String { PushedAlerts.goQuoted(text) }

    private struct Envelope<Data: Encodable>: Encodable {
        var status = "success"
        var data: Data
    }

    private struct ErrorEnvelope: Encodable {
        var status = "error"
        var errorType = "bad_data"
        var error: String
    }

    static func success(_ data: some Encodable) -> Response {
        Response(status: 200, body: APIJSON.encode(Envelope(data: data)))
    }

    static func error(_ message: String) -> Response {
        Response(status: 400, body: APIJSON.encode(ErrorEnvelope(error: message)))
    }
}

/// JSON as the APIs write it: keys sorted (stable output), slashes unescaped, as Go writes them.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) -> String {
        // Every value here is made of strings, finite numbers, arrays and objects: encoding cannot fail.
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
