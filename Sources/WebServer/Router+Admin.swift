import Hummingbird
import VandineCore

extension Router {
    /// Prometheus' admin endpoints: `GET /-/healthy`, `GET /-/ready` and `POST /-/reload`.
    /// `reload` re-reads the daemon's config and returns the error when the file is broken (the old
    /// config stays in force); the endpoint then answers 500 with that error.
    public func addAdminRoutes(reload: @escaping @Sendable () -> Result<Void, any Error>) {
        get("/-/healthy") { _, _ in Response.text("Healthy.\n") }
        get("/-/ready") { _, _ in Response.text("Ready.\n") }
        // Prometheus takes POST and PUT, and answers 405 to anything else.
        let handler: @Sendable (Request, Context) async throws -> Response = { _, _ in
            switch reload() {
            case .success: return .text("Reloaded.\n")
            case let .failure(error): return .text("failed to reload config: \(error)\n", status: .internalServerError)
            }
        }
        post("/-/reload", use: handler)
        put("/-/reload", use: handler)
        get("/-/reload") { _, _ in Response.text("Only POST or PUT requests allowed\n", status: .methodNotAllowed) }
    }

    /// Basic auth (when the web config has users) and the configured response headers, in front of
    /// every route added after this call.
    public func addWebConfigMiddleware(_ webConfig: WebConfig, realm: String) {
        if !webConfig.basicAuthUsers.isEmpty {
            add(middleware: BasicAuthMiddleware(verifier: BasicAuthVerifier(config: webConfig), realm: realm))
        }
        if !webConfig.http.headers.isEmpty {
            add(middleware: ResponseHeadersMiddleware(headers: webConfig.http.headers))
        }
    }
}
