import VandineCore

/// alertmanager-lite's own `/metrics`: build info, config reload status, rule groups, alerts,
/// evaluation statistics, the state store and process metrics. Names follow Prometheus's
/// `prometheus_rule_*` with our prefix.
public enum AlertManagerLiteMetrics {
    /// The outcome of the last configuration (re)load.
    public struct ReloadStatus: Sendable {
        public var successful: Bool
        /// Unix seconds of the last successful load.
        public var lastSuccess: Double

        public init(successful: Bool, lastSuccess: Double) {
            self.successful = successful
            self.lastSuccess = lastSuccess
        }
    }

    public static func families(groups: [GroupStatus], evaluations: RuleEvaluationMetrics, reload: ReloadStatus,
                                pushed: [PushedAlert], now: Double) -> [MetricFamily] {
        var set = MetricSet()
        set.gauge("alertmanager_lite_build_info", 1,
                  help: "A metric with a constant '1' value labeled by version and the Swift version it was built with.",
                  labels: ["version": BuildInfo.version, "swiftversion": BuildInfo.swiftVersion])
        set.gauge("alertmanager_lite_config_last_reload_successful", reload.successful ? 1 : 0,
                  help: "Whether the last configuration reload attempt was successful.")
        set.gauge("alertmanager_lite_config_last_reload_success_timestamp_seconds", reload.lastSuccess,
                  help: "Timestamp of the last successful configuration reload.")
        // `rule_group` is `<file>;<name>`, as Prometheus labels its `prometheus_rule_*` series.
        for family in evaluations.families(groups: groups.map(Self.groupKey)) { set.add(family) }

        var alertCounts: [String: Double] = ["pending": 0, "firing": 0]
        var ruleCounts: [String: Double] = ["unknown": 0, "inactive": 0, "pending": 0, "firing": 0]
        for group in groups {
            let labels = ["rule_group": Self.groupKey(group)]
            set.gauge("alertmanager_lite_rule_group_last_evaluation_timestamp_seconds", group.lastEvaluation ?? 0,
                      help: "The timestamp of the last rule group evaluation in seconds (0 before the first).", labels: labels)
            set.gauge("alertmanager_lite_rule_group_last_duration_seconds", group.evaluationDuration,
                      help: "The duration of the last rule group evaluation.", labels: labels)
            set.gauge("alertmanager_lite_rule_group_interval_seconds", group.interval,
                      help: "The interval of a rule group.", labels: labels)
            set.gauge("alertmanager_lite_rule_group_rules", Double(group.rules.count),
                      help: "The number of rules in a group.", labels: labels)
            for rule in group.rules {
                guard case .alerting = rule.definition else { continue }
                ruleCounts[PrometheusRulesAPI.ruleState(rule), default: 0] += 1
                for alert in rule.alerts where alert.resolvedAt == nil && alert.state != .inactive {
                    alertCounts[alert.state.rawValue, default: 0] += 1
                }
            }
        }
        // A rule not evaluated yet has alerts nobody knows: it counts once as `unknown`.
        alertCounts["unknown"] = ruleCounts["unknown"]
        for (state, count) in alertCounts {
            set.gauge("alertmanager_lite_alerts", count,
                      help: "The number of pending and firing alert instances of the rules; unknown: alerting rules not evaluated yet.",
                      labels: ["state": state])
        }
        for (state, count) in ruleCounts {
            set.gauge("alertmanager_lite_alerting_rules", count,
                      help: "The number of alerting rules by state; unknown: not evaluated yet (as Prometheus 3.8+).",
                      labels: ["state": state])
        }
        let active = pushed.filter { !$0.isResolved(at: now) }.count
        set.gauge("alertmanager_lite_pushed_alerts", Double(active),
                  help: "The number of alerts received through POST /api/v2/alerts, by state.", labels: ["state": "active"])
        set.gauge("alertmanager_lite_pushed_alerts", Double(pushed.count - active),
                  help: "The number of alerts received through POST /api/v2/alerts, by state.", labels: ["state": "resolved"])
        for family in ProcessMetrics.families() { set.add(family) }
        return set.families
    }

    /// A group's `rule_group` label value: `<file>;<name>` (Prometheus's `GroupKey`).
    static func groupKey(_ group: GroupStatus) -> String { group.definition.file + ";" + group.definition.name }
}
