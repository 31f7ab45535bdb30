import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /metrics`: the exporter's own metrics.
    func addMetricsRoutes(state: ExporterState) {
        get("/metrics") { _, _ -> Response in
            .text(ExpositionEncoder.encode(await selfMetrics(state: state).families), contentType: ExpositionEncoder.contentType)
        }
    }
}

