import AlertCore
import Hummingbird
import WebServer

extension Router {
    /// `GET /`: rule groups, rules (health, last error, last duration) and alerts.
    func addStatusPage(state: AlertManagerLiteState) {
        get("/") { _, _ -> Response in
            let now = state.now()
            let reload = state.reloadOutcome
            let context = AlertStatusPage.Context(configSource: state.configSource, reload: reload.status,
                                                  lastReloadError: reload.error, storagePath: state.store.path,
                                                  storageNote: state.storageNote)
            let html = AlertStatusPage.html(groups: await state.rules.groupStatuses(), pushed: state.pushed.all(now: now),
                                            context: context, now: now)
            return .text(html, contentType: "text/html; charset=utf-8")
        }
    }
}
