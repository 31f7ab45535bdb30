import FoundationEssentials
import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /`: devices, modules, recent probes and failures (kept longer).
    func addStatusPage(state: ExporterState) {
        get("/") { _, _ -> Response in
            .text(StatusPage.html(state: state), contentType: "text/html; charset=utf-8")
        }
    }
}

