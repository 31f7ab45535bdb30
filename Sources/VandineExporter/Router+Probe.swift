import HTTPTypes
import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /probe?target=&module=[&debug=true]`.
    func addProbeRoutes(state: ExporterState) {
        get("/probe") { request, _ -> Response in
            let query = request.uri.queryParameters
            let timeoutHeader = HTTPField.Name("X-Prometheus-Scrape-Timeout-Seconds")!
            let probeRequest = ProbeRequest(
                target: query.get("target"),
                module: query.get("module"),
                debug: query.get("debug") == "true",
                scrapeTimeoutSeconds: request.headers[timeoutHeader].flatMap(Double.init)
            )
            let response = await state.handler.handle(probeRequest, config: state.config.current)
            return .text(response.body, status: .init(code: response.statusCode), contentType: response.contentType)
        }
    }
}
