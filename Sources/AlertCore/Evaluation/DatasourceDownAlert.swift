import VandineCore

/// The built-in alert `AlertmanagerLiteDatasourceDown`: Prometheus has nothing like it, because
/// when its own TSDB is gone it has bigger problems; we query a remote API, and while it does not
/// answer we keep every alert as it was (see ``RuleGroupRuntime``), so somebody must be told.
///
/// It is an alerting rule of the synthetic group ``groupName`` whose "expression" is "the
/// datasource failed at this evaluation" and whose `for` is the configured `down_alert_after`
/// (default 2 min): it is evaluated after every group round with that round's outcome, goes
/// pending at the first round whose queries failed with a datasource failure (unreachable,
/// timeout, HTTP error, a response that is not Prometheus's —
/// ``DatasourceError/isDatasourceFailure``), fires once the failures have lasted `down_alert_after`,
/// and resolves (or, still pending, disappears) at the first round in which the datasource
/// answered, even with a query error: a bad expression is the rule's problem, not the datasource's.
///
/// Labels: `alertname="AlertmanagerLiteDatasourceDown"`, `severity="critical"`.
/// Annotations: `summary` ("The datasource does not answer queries"), `description` (the
/// datasource URL without credentials, the last error, and that alert states are frozen meanwhile).
/// Its state is stored and restored like every other rule's.
public struct DatasourceDownAlert: Sendable {
    /// The alert's name.
    public static let alertName = "AlertmanagerLiteDatasourceDown"
    /// The synthetic group it is listed in.
    public static let groupName = "alertmanager-lite"
    /// Its `severity` label.
    public static let severity = "critical"

    /// Its rule (`for` = the down time after which it fires).
    public private(set) var rule: AlertingRule
    /// Where the datasource is, for the description (credentials removed).
    public let datasourceURL: String
    /// The last datasource failure seen (nil after a round where it answered).
    public private(set) var lastError: String?
    private var lastTime: Double = -.infinity

    /// The definition for `downAfter` seconds.
    public static func definition(downAfter: Double) -> AlertingRuleDefinition {
        AlertingRuleDefinition(
            name: alertName, expression: "alertmanager-lite datasource query failures", holdDuration: downAfter,
            labels: ["severity": severity],
            annotations: ["summary": "The datasource does not answer queries",
                          "description": "Queries to the datasource fail; alert states are kept as they were until it answers again."])
    }

    /// Its state key (file "", group ``groupName``).
    public static func stateKey(downAfter: Double) -> RuleStateKey {
        let definition = RuleDefinition.alerting(definition(downAfter: downAfter))
        return RuleStateKey(file: "", group: groupName, rule: alertName, ordinal: 0, definitionHash: definition.definitionHash)
    }

    /// The alert for a datasource at `datasourceURL` that fires after `downAfter` seconds of
    /// failures, with its restored instances.
    public init(downAfter: Double, datasourceURL: String, restoring: [AlertInstance] = []) {
        rule = AlertingRule(definition: Self.definition(downAfter: downAfter), restoring: restoring)
        self.datasourceURL = Self.withoutCredentials(datasourceURL)
    }

    /// Records one group round's outcome at `time`: `failure` is the round's last datasource
    /// failure, nil when the datasource answered. Returns whether its alert list changed.
    /// Times that go backwards (groups finishing out of order) are treated as the latest seen.
    public mutating func observe(failure: DatasourceError?, at time: Double) -> Bool {
        let time = max(time, lastTime)
        lastTime = time
        lastError = failure?.description
        let samples = failure == nil ? [] : [Sample(labels: [:], value: 1)]
        var changed = (try? rule.apply(samples, at: time)) ?? false
        if let failure {
            let where_ = datasourceURL.isEmpty ? "the datasource" : datasourceURL
            changed = rule.setActiveAnnotations([
                "summary": "The datasource does not answer queries",
                "description": "Queries to \(where_) fail: \(failure.description). Alert states are kept as they were until it answers again.",
            ]) || changed
        }
        return changed
    }

    /// `scheme://user:password@host/path?query#fragment` → `scheme://host/path`: the URL as logs,
    /// pages and annotations may show it. The user info and the query string can both carry a
    /// secret (`?token=…`); the query timeout and `query_params` are separate settings anyway.
    public static func withoutCredentials(_ url: String) -> String {
        let withoutQuery = String(url.prefix { $0 != "?" && $0 != "#" })
        guard let (scheme, rest) = withoutQuery.splitOnce("://") else { return withoutQuery }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return withoutQuery }
        return scheme + "://" + rest[rest.index(after: at)...]
    }
}
