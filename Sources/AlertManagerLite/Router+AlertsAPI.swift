import AlertCore
import Hummingbird
import WebServer

extension Router {
    /// Alertmanager's `GET /api/v2/alerts` (`active`, `silenced`, `inhibited`, `unprocessed`,
    /// `filter`, `receiver`) and `POST /api/v2/alerts`.
    func addAlertsAPIRoutes(state: AlertManagerLiteState) {
        get("/api/v2/alerts") { request, _ -> Response in
            let query = request.uri.queryParameters
            let alertsQuery = AlertmanagerAlertsAPI.AlertsQuery(
                active: query.get("active"), silenced: query.get("silenced"), inhibited: query.get("inhibited"),
                unprocessed: query.get("unprocessed"), filter: query.getAll("filter"), receiver: query.get("receiver"))
            let now = state.now()
            let response = AlertmanagerAlertsAPI.list(groups: await state.rules.groupStatuses(), pushed: state.pushed.all(now: now),
                                                      query: alertsQuery, now: now)
            return .json(response.body, status: response.status)
        }
        post("/api/v2/alerts") { request, _ -> Response in
            // Prometheus sends at most 64 alerts per request (`--alertmanager.notification-batch-size`
            // is larger only when raised); 8 MiB leaves room for thousands.
            let buffer = try await request.body.collect(upTo: 8 << 20)
            let response = AlertmanagerAlertsAPI.post(body: buffer.readableBytesView, into: state.pushed, now: state.now())
            return .json(response.body, status: response.status)
        }
    }
}
