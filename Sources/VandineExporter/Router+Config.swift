import Hummingbird
import Probes
import VandineCore
import WebServer

extension Router {
    /// `GET /config`: the config in force, secrets redacted.
    func addConfigRoute(state: ExporterState) {
        get("/config") { _, _ in
            Response.text(ConfigRenderer.render(state.config.current), contentType: "text/yaml; charset=utf-8")
        }
    }
}
