import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /metrics`: the exporter's own metrics, plus continuous mode's series when its
    /// `metrics_path` is `/metrics`.
    func addMetricsRoutes(state: ExporterState) {
        get("/metrics") { _, _ -> Response in
            var text = ExpositionEncoder.encode(await selfMetrics(state: state).families)
            if let smokeping = state.smokeping, smokeping.metricsPath == SmokepingConfig.defaultMetricsPath {
                smokeping.writeExposition(into: &text)
            }
            return .text(text, contentType: ExpositionEncoder.contentType)
        }
    }
}

