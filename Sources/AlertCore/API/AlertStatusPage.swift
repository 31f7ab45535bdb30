import VandineCore

/// alertmanager-lite's human status page (`GET /`): rule groups, their rules with health, last
/// error and last duration, the alerts of the rules and the pushed alerts. Everything that comes
/// from rule files or clients is HTML-escaped.
public enum AlertStatusPage {
    public struct Context: Sendable {
        public var configSource: String
        public var reload: AlertManagerLiteMetrics.ReloadStatus
        public var lastReloadError: String?
        public var storagePath: String
        public var storageNote: String?

        public init(configSource: String, reload: AlertManagerLiteMetrics.ReloadStatus, lastReloadError: String? = nil,
                    storagePath: String, storageNote: String? = nil) {
            self.configSource = configSource
            self.reload = reload
            self.lastReloadError = lastReloadError
            self.storagePath = storagePath
            self.storageNote = storageNote
        }
    }

    public static func html(groups: [GroupStatus], pushed: [PushedAlert], context: Context, now: Double) -> String {
        var page = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>alertmanager-lite</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.fail{color:#b00}.firing{color:#b00;font-weight:bold}.pending{color:#b60}code{white-space:pre-wrap}</style>
            </head><body><h1>alertmanager-lite</h1>
            <p>Version \(BuildInfo.version) · config \(escape(context.configSource))
            · last reload \(context.reload.successful ? "successful" : "<span class=fail>FAILED: \(escape(context.lastReloadError ?? ""))</span>")
            · state \(escape(context.storagePath))\(context.storageNote.map { " <span class=fail>(\(escape($0)))</span>" } ?? "")
            · <a href="/metrics">metrics</a> · <a href="/api/v1/rules">/api/v1/rules</a> · <a href="/api/v1/alerts">/api/v1/alerts</a>
            · <a href="/api/v2/alerts">/api/v2/alerts</a></p>
            <h2>Rule groups</h2>
            """
        if groups.isEmpty { page += "<p>No rule groups loaded.</p>" }
        for group in groups {
            let last = group.lastEvaluation.map { TimeFormat.rfc3339Nano($0) } ?? "never"
            page += "<h3>\(escape(group.definition.name))</h3><p>\(escape(group.definition.file)) · every \(format(group.interval))s"
            page += " · last evaluation \(last) in \(format(group.evaluationDuration))s</p>"
            page += "<table><tr><th>Rule</th><th>Type</th><th>Query</th><th>State</th><th>Health</th><th>Last error</th><th>Last duration</th></tr>"
            for rule in group.rules {
                let (type, query, state): (String, String, String) = switch rule.definition {
                case let .alerting(definition): ("alerting", definition.expression, PrometheusRulesAPI.ruleState(rule))
                case let .recording(definition): ("recording (not evaluated)", definition.expression, "")
                }
                let health = rule.health == .err ? "<span class=fail>err</span>" : rule.health.rawValue
                page += "<tr><td>\(escape(rule.definition.name))</td><td>\(type)</td><td><code>\(escape(query))</code></td>"
                page += "<td class=\(state)>\(state)</td><td>\(health)</td><td class=fail>\(escape(rule.lastError ?? ""))</td>"
                page += "<td>\(format(rule.evaluationDuration))s</td></tr>"
            }
            page += "</table>"
        }
        page += "<h2>Alerts</h2><table><tr><th>Rule</th><th>Labels</th><th>State</th><th>Active since</th><th>Value</th><th>Annotations</th></tr>"
        var any = false
        for group in groups {
            for rule in group.rules {
                for alert in rule.alerts where alert.resolvedAt == nil && alert.state != .inactive {
                    any = true
                    page += "<tr><td>\(escape(rule.definition.name))</td><td>\(labels(alert.labels))</td>"
                    page += "<td class=\(alert.state.rawValue)>\(alert.state.rawValue)</td><td>\(TimeFormat.rfc3339Nano(alert.activeAt))</td>"
                    page += "<td>\(escape(TimeFormat.goExponent(alert.value)))</td><td>\(labels(alert.annotations))</td></tr>"
                }
            }
        }
        page += any ? "</table>" : "</table><p>No pending or firing alerts.</p>"
        page += "<h2>Pushed alerts</h2><table><tr><th>Labels</th><th>State</th><th>Starts</th><th>Ends</th><th>Annotations</th></tr>"
        for alert in pushed {
            let state = alert.isResolved(at: now) ? "resolved" : "<span class=firing>active</span>"
            page += "<tr><td>\(labels(alert.labels))</td><td>\(state)</td><td>\(TimeFormat.rfc3339Millis(alert.startsAt))</td>"
            page += "<td>\(TimeFormat.rfc3339Millis(alert.endsAt))\(alert.timeout ? " (resolve_timeout)" : "")</td><td>\(labels(alert.annotations))</td></tr>"
        }
        page += "</table>"
        return page + "</body></html>\n"
    }

    private static func labels(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\(escape($0.key))=\"\(escape($0.value))\"" }.joined(separator: "<br>")
    }

    private static func format(_ seconds: Double) -> String {
        seconds.formatted(decimals: 3)
    }

    /// HTML-escapes text for element content and quoted attribute values.
    public static func escape(_ text: String) -> String {
        text.htmlEscaped
    }
}
