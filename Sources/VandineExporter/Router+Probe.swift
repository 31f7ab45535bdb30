import HTTPTypes
import Hummingbird
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
            let reply = await state.handler.handle(probeRequest, config: state.config.current)
            let contentType = if case .metrics = reply { ExpositionEncoder.contentType } else { "text/plain; charset=utf-8" }
            return .text(reply.body, status: .init(code: reply.statusCode), contentType: contentType)
        }
    }
}
