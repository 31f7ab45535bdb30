import Hummingbird
import Probes
import VandineCore
import WebServer

extension Router {
    /// `GET <smokeping.metrics_path>` when it is not `/metrics`: continuous mode's series alone.
    /// Routes are fixed when the server starts, so a reload that moves `metrics_path` elsewhere
    /// takes effect on restart (this path answers 404 meanwhile; the log says so).
    func addSmokepingRoute(state: ExporterState) {
        guard let smokeping = state.smokeping, let path = smokeping.metricsPath,
              path != SmokepingConfig.defaultMetricsPath else { return }
        get(RouterPath(path)) { _, _ -> Response in
            guard smokeping.metricsPath == path else {
                return .text("continuous mode's metrics_path is no longer \(path); restart to serve the new path\n", status: .notFound)
            }
            var text = ""
            smokeping.writeExposition(into: &text)
            return .text(text, contentType: ExpositionEncoder.contentType)
        }
    }
}
