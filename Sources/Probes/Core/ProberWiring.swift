import CurlClient
import Logging
import ServiceLifecycle
import VandineCore

/// The prober list together with the long-lived state the probers share, each piece a `Service`
/// for the daemon's ServiceGroup (started before the HTTP server, stopped after it).
public struct ProberWiring: Sendable {
    public let registry: ProberRegistry
    public let services: [any Service]
    /// The process's ICMP engine, shared by the icmp prober and the discovery sweep; nil while this
    /// build has none.
    public let echo: (any ICMPEchoing)?

    public init(registry: ProberRegistry, services: [any Service], echo: (any ICMPEchoing)? = nil) {
        self.registry = registry
        self.services = services
        self.echo = echo
    }

    /// The discovery sweep on this wiring's ICMP engine, to run as a Service after ``services``
    /// (the engine must be up first); nil without an engine.
    public func discoveryService(config: ReloadableConfig<ExporterConfig>, results: DiscoveryResults,
                                 logger: Logger) -> DiscoveryService? {
        guard let echo else { return nil }
        return DiscoveryService(config: config, engine: echo, results: results, logger: logger)
    }

    /// The exporter's standard probers, with the process's one curl engine (one thread, one multi
    /// handle; started by the first request) for the http prober, run as a Service.
    public static func standard() -> ProberWiring {
        let curl = CurlEngine.shared
        return ProberWiring(registry: ProberRegistry(tcp: TCPProber(), http: HTTPProber(engine: curl), dns: DNSProber()),
                            services: [curl], echo: nil /* the ICMPEngine, once it lands */)
    }
}
