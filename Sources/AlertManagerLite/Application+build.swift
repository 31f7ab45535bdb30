import Hummingbird
import ServiceLifecycle
import VandineCore
import WebServer

/// Builds alertmanager-lite's HTTP application; `main` and the tests share it.
func buildApplication(state: AlertManagerLiteState, webConfig: WebConfig, listen: ListenAddress,
                      services: [any Service] = []) throws -> some ApplicationProtocol {
    try WebServerApplication.build(router: buildRouter(state: state, webConfig: webConfig), webConfig: webConfig,
                                   listen: listen, serverName: "alertmanager-lite", services: services, logger: state.logger)
}

/// The routes, behind basic auth when the web config has users.
func buildRouter(state: AlertManagerLiteState, webConfig: WebConfig) -> Router<BasicRequestContext> {
    let router = Router()
    router.addWebConfigMiddleware(webConfig, realm: "alertmanager-lite")
    router.addAdminRoutes { state.reload() }
    router.addRulesAPIRoutes(state: state)
    router.addAlertsAPIRoutes(state: state)
    router.addMetricsRoute(state: state)
    router.addStatusPage(state: state)
    return router
}
