import HTTPTypes
import Hummingbird
import HummingbirdCore
import ServiceLifecycle
import HummingbirdTLS
import Logging
import NIOSSL
import Probes
import VandineCore

/// Builds the exporter's HTTP application; `main` and the tests share it.
func buildApplication(state: ExporterState, webConfig: WebConfig, host: String, port: Int,
                      services: [any Service] = []) throws -> some ApplicationProtocol {
    let router = buildRouter(state: state, webConfig: webConfig)
    let server: HTTPServerBuilder
    if let tls = webConfig.tls {
        server = try .tls(.http1(), tlsConfiguration: try TLSConfiguration.server(from: tls))
    } else {
        server = .http1()
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(host, port: port), serverName: "vandine-exporter"),
        services: services,
        logger: state.logger
    )
}

/// The routes, behind basic auth when the web config has users.
func buildRouter(state: ExporterState, webConfig: WebConfig) -> Router<BasicRequestContext> {
    let router = Router()
    if !webConfig.basicAuthUsers.isEmpty {
        router.add(middleware: BasicAuthMiddleware(verifier: BasicAuthVerifier(config: webConfig)))
    }
    if !webConfig.http.headers.isEmpty {
        router.add(middleware: ResponseHeadersMiddleware(headers: webConfig.http.headers))
    }
    router.addProbeRoutes(state: state)
    router.addMetricsRoutes(state: state)
    router.addAdminRoutes(state: state)
    router.addServiceDiscoveryRoutes(state: state)
    router.addStatusPage(state: state)
    return router
}

extension Response {
    /// A plain-text response.
    static func text(_ text: String, status: HTTPResponse.Status = .ok,
                     contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
