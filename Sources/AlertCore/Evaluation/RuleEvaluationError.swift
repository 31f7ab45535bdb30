/// Why one evaluation of an alerting rule failed. The messages are Prometheus's own
/// (`rules/alerting.go`, `AlertingRule.Eval`), so `/api/v1/rules` shows the same `lastError`.
public enum RuleEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The query failed: nothing about the rule's alerts changed.
    case datasource(DatasourceError)
    /// Two result series gave the same label set once `__name__` was dropped and the rule's
    /// labels applied: nothing about the rule's alerts changed.
    case duplicateLabelSet
    /// More pending + firing alerts than the group's `limit`: the rule's alerts were all dropped.
    case limitExceeded(limit: Int, alerts: Int)

    public var description: String {
        switch self {
        case let .datasource(error): error.description
        case .duplicateLabelSet: "vector contains metrics with the same labelset after applying alert labels"
        case let .limitExceeded(limit, alerts): "exceeded limit of \(limit) with \(alerts) alerts"
        }
    }
}
