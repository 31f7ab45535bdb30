import AlertCore
import Hummingbird
import VandineCore
import WebServer

extension Router {
    /// `GET /metrics`: alertmanager-lite's own metrics in the text format 0.0.4.
    func addMetricsRoute(state: AlertManagerLiteState) {
        get("/metrics") { _, _ -> Response in
            let now = state.now()
            let families = AlertManagerLiteMetrics.families(
                groups: await state.rules.groupStatuses(), evaluations: state.evaluations, reload: state.reloadOutcome.status,
                pushed: state.pushed.all(now: now), now: now)
            return .text(ExpositionEncoder.encode(families), contentType: ExpositionEncoder.contentType)
        }
    }
}
