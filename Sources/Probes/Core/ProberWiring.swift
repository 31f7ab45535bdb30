import CurlClient
import Logging
import ServiceLifecycle
import VandineCore

/// The prober list together with the long-lived state the probers share, each piece a `Service`
/// for the daemon's ServiceGroup (started before the HTTP server, stopped after it).
public struct ProberWiring: Sendable {
    public let registry: ProberRegistry
    public let services: [any Service]
    /// The process's ICMP engine, shared by the icmp prober and the discovery sweep.
    public let echo: any ICMPEchoing
    /// The process's SSH session pool (one session per device), for the probers that log in to
    /// devices (their `any SSHExecutor`) and for `/metrics`. One of ``services``.
    public let ssh: SSHSessionPool

    public init(registry: ProberRegistry, services: [any Service], echo: any ICMPEchoing, ssh: SSHSessionPool = SSHSessionPool()) {
        self.registry = registry
        self.services = services
        self.echo = echo
        self.ssh = ssh
    }

    /// The discovery sweep on this wiring's ICMP engine, to run as a Service after ``services``
    /// (the engine must be up first). It idles while the config has no `discovery:` section.
    public func discoveryService(config: ReloadableConfig<ExporterConfig>, results: DiscoveryResults,
                                 logger: Logger) -> DiscoveryService {
        DiscoveryService(config: config, engine: echo, results: results, logger: logger)
    }

    /// The exporter's standard probers, with the process's long-lived engines run as Services: the
    /// one curl engine (one thread, one multi handle; started by the first request) for the http
    /// prober and the cloudflared prober, and the one ICMP engine (a socket per family, one receive thread; opened by the
    /// first echo). The services prober runs these same tcp, http and dns probers for each service.
    /// The iperf3 prober's queue (one lane per server) is a Service too: it cancels, and so kills,
    /// every run still going at shutdown. The SSH session pool closes idle sessions, and every
    /// session at shutdown; the command and node probers log in through it.
    public static func standard(icmp: ICMPEngine = ICMPEngine(), iperf3: IPerf3Queue = IPerf3Queue(),
                                ssh: SSHSessionPool = SSHSessionPool()) -> ProberWiring {
        let curl = CurlEngine.shared
        return ProberWiring(registry: ProberRegistry(tcp: TCPProber(), http: HTTPProber(engine: curl), dns: DNSProber(),
                                                     icmp: ICMPProber(engine: icmp),
                                                     cloudflared: CloudflaredProber(engine: curl), iperf3: IPerf3Prober(queue: iperf3),
                                                     command: CommandProber(executor: ssh),
                                                     node: NodeProber(ssh: ssh)),
                            services: [curl, icmp, iperf3, ssh], echo: icmp, ssh: ssh)
    }
}
