import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /metrics`: the exporter's own metrics, plus continuous mode's series when its
    /// `metrics_path` is `/metrics`.
    func addMetricsRoutes(state: ExporterState) {
        get("/metrics") { _, _ -> Response in
            var set = await selfMetrics(state: state)
            if let smokeping = state.smokeping, smokeping.metricsPath == SmokepingConfig.defaultMetricsPath {
                for family in smokeping.families() { set.add(family) }
            }
            return .text(ExpositionEncoder.encode(set.families), contentType: ExpositionEncoder.contentType)
        }
    }
}

