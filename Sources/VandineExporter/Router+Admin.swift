import Hummingbird
import VandineCore

extension Router {
    /// `/-/healthy`, `/-/ready`, `POST /-/reload` and `GET /config` (secrets redacted).
    func addAdminRoutes(state: ExporterState) {
        get("/-/healthy") { _, _ in Response.text("Healthy.\n") }
        get("/-/ready") { _, _ in Response.text("Ready.\n") }
        post("/-/reload") { _, _ -> Response in
            switch state.reload() {
            case .success: return .text("Reloaded.\n")
            case let .failure(error): return .text("failed to reload config: \(error)\n", status: .internalServerError)
            }
        }
        get("/config") { _, _ in
            Response.text(ConfigRenderer.render(state.config.current), contentType: "text/yaml; charset=utf-8")
        }
    }
}
