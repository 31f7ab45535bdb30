import Hummingbird
import Logging
import Probes
import ServiceLifecycle
import VandineCore
import WebServer

/// Builds the exporter's HTTP application; `main` and the tests share it.
func buildApplication(state: ExporterState, webConfig: WebConfig, listen: ListenAddress,
                      services: [any Service] = []) throws -> some ApplicationProtocol {
    try WebServerApplication.build(router: buildRouter(state: state, webConfig: webConfig), webConfig: webConfig,
                                   listen: listen, serverName: "vandine-exporter", services: services, logger: state.logger)
}

/// The routes, behind basic auth when the web config has users.
func buildRouter(state: ExporterState, webConfig: WebConfig) -> Router<BasicRequestContext> {
    let router = Router()
    router.addWebConfigMiddleware(webConfig, realm: "vandine-exporter")
    router.addProbeRoutes(state: state)
    router.addMetricsRoutes(state: state)
    router.addSmokepingRoute(state: state)
    router.addAdminRoutes { state.reload() }
    router.addConfigRoute(state: state)
    router.addServiceDiscoveryRoutes(state: state)
    router.addStatusPage(state: state)
    return router
}
