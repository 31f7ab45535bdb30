import VandineCore

/// Our additions, answering "is the tunnel up" without knowing cloudflared's names:
/// `vandine_tunnel_up`, `vandine_tunnel_ready_connections`, `vandine_tunnel_edge_locations`.
/// They are derived from the whole exposition, before `allow_metrics` / `deny_metrics`.
struct CloudflaredTunnelSummary: Sendable, Equatable {
    /// `cloudflared_tunnel_ha_connections`, when the exposition has it.
    var haConnections: Double?
    /// Distinct `edge_location` values of `cloudflared_tunnel_server_locations` samples above 0
    /// (cloudflared keeps a connection's previous location at 0 after it moves).
    var edgeLocations: Set<String>

    static let haConnectionsName = "cloudflared_tunnel_ha_connections"
    static let serverLocationsName = "cloudflared_tunnel_server_locations"

    init(families: [MetricFamily]) {
        haConnections = nil
        edgeLocations = []
        for family in families {
            switch family.name {
            case Self.haConnectionsName:
                haConnections = family.samples.first { $0.name == Self.haConnectionsName }?.value
            case Self.serverLocationsName:
                for sample in family.samples where sample.value > 0 {
                    if let location = sample.labels["edge_location"], !location.isEmpty { edgeLocations.insert(location) }
                }
            default:
                break
            }
        }
    }

    /// Ready (`/ready` 200) and at least one HA connection (cloudflared's gauge, or `/ready`'s
    /// count when the exposition lacks the gauge).
    static func isUp(summary: CloudflaredTunnelSummary?, readiness: CloudflaredReadiness?) -> Bool {
        guard let readiness, readiness.isReady else { return false }
        let connections = summary?.haConnections ?? Double(readiness.readyConnections ?? 0)
        return connections >= 1
    }

    static func recordUp(_ up: Bool, context: ProbeContext) {
        context.metrics.gauge("vandine_tunnel_up", up ? 1 : 0,
                              help: "Whether the cloudflared connector is ready (/ready answered 200) and holds at least one HA connection")
    }

    static func recordReadyConnections(_ count: Int, context: ProbeContext) {
        context.metrics.gauge("vandine_tunnel_ready_connections", Double(count),
                              help: "Connections to the Cloudflare edge that cloudflared's /ready reports as ready (readyConnections)")
    }

    func recordEdgeLocations(context: ProbeContext) {
        context.metrics.gauge("vandine_tunnel_edge_locations", Double(edgeLocations.count),
                              help: "Distinct Cloudflare edge locations the connector's connections are registered with (cloudflared_tunnel_server_locations)")
    }
}
