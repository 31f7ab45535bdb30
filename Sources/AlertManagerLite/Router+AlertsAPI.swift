import AlertCore
import Hummingbird
import WebServer

extension Router {
    /// Alertmanager's `GET /api/v2/alerts` (`active`, `silenced`, `inhibited`, `unprocessed`,
    /// `filter`, `receiver`), `POST /api/v2/alerts` and `GET /api/v2/status`.
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
            // Prometheus sends at most 64 alerts per request (its notifier's batch size); 8 MiB
            // leaves room for thousands from other clients.
            let buffer = try await request.body.collect(upTo: 8 << 20)
            let response = AlertmanagerAlertsAPI.post(body: buffer.readableBytesView, into: state.pushed, now: state.now())
            return .json(response.body, status: response.status)
        }
        get("/api/v2/status") { _, _ -> Response in
            // The configuration text arrives with the config loader (wiring point in ServeCommand).
            .json(AlertmanagerStatusAPI.status(startTime: state.startTime, config: ""), status: 200)
        }
    }
}
