import AlertCore
import Hummingbird
import WebServer

extension Router {
    /// Prometheus's `GET /api/v1/rules` (`type`, `rule_name[]`, `rule_group[]`, `file[]`,
    /// `exclude_alerts`) and `GET /api/v1/alerts`.
    func addRulesAPIRoutes(state: AlertManagerLiteState) {
        get("/api/v1/rules") { request, _ -> Response in
            let query = request.uri.queryParameters
            let rulesQuery = PrometheusRulesAPI.RulesQuery(
                type: query.get("type"), ruleNames: query.getAll("rule_name[]"), ruleGroups: query.getAll("rule_group[]"),
                files: query.getAll("file[]"), excludeAlerts: query.get("exclude_alerts"))
            let response = PrometheusRulesAPI.rules(await state.rules.groupStatuses(), query: rulesQuery)
            return .json(response.body, status: response.status)
        }
        get("/api/v1/alerts") { _, _ -> Response in
            let response = PrometheusRulesAPI.alerts(await state.rules.groupStatuses())
            return .json(response.body, status: response.status)
        }
    }
}

extension Response {
    /// A JSON response (`application/json`).
    static func json(_ body: String, status: Int) -> Response {
        .text(body, status: .init(code: status), contentType: "application/json")
    }
}
