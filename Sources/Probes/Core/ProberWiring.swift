import CurlClient
import ServiceLifecycle
import VandineCore

/// The prober list together with the long-lived state the probers share, each piece a `Service`
/// for the daemon's ServiceGroup (started before the HTTP server, stopped after it).
public struct ProberWiring: Sendable {
    public let registry: ProberRegistry
    public let services: [any Service]

    public init(registry: ProberRegistry, services: [any Service]) {
        self.registry = registry
        self.services = services
    }

    /// The exporter's standard probers, with the process's long-lived engines run as Services: the
    /// one curl engine (one thread, one multi handle; started by the first request) for the http
    /// prober, and the one ICMP engine (a socket per family, one receive thread; opened by the
    /// first echo). The services prober runs these same tcp, http and dns probers for each service.
    public static func standard(icmp: ICMPEngine = ICMPEngine()) -> ProberWiring {
        let curl = CurlEngine.shared
        return ProberWiring(registry: ProberRegistry(tcp: TCPProber(), http: HTTPProber(engine: curl), dns: DNSProber(),
                                                     icmp: ICMPProber(engine: icmp)),
                            services: [curl, icmp])
    }
}
