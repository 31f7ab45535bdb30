import Hummingbird
import VandineCore

extension Router {
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
