import Hummingbird

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
}
