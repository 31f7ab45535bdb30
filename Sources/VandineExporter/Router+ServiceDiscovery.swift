import FoundationEssentials
import Hummingbird
import WebServer
import Probes
import VandineCore

extension Router {
    /// `GET /sd`: Prometheus `http_sd_configs` targets built from the config and the discovery sweep.
    func addServiceDiscoveryRoutes(state: ExporterState) {
        get("/sd") { _, _ -> Response in
            let groups = ServiceDiscovery.targetGroups(for: state.config.current, discovered: state.discovery.hosts)
            let data = (try? JSONEncoder.sorted.encode(groups)) ?? Data("[]".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

extension JSONEncoder {
    static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
