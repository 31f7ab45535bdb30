/// A named probe recipe: which prober, its options, its timeout and an optional cache interval.
public struct ModuleConfig: Sendable, Equatable {
    public var name: String
    public var prober: ProberKind
    /// Upper bound for one probe; the scrape timeout header can only shorten it.
    public var timeout: PrometheusDuration
    /// When set, the probe runs at most once per interval per target and scrapes get the cached
    /// result (for expensive probes such as throughput tests).
    public var interval: PrometheusDuration?
    public var tcp: TCPModuleOptions

    public static let defaultTimeout = PrometheusDuration.seconds(5)

    public init(name: String, prober: ProberKind, timeout: PrometheusDuration = defaultTimeout,
                interval: PrometheusDuration? = nil, tcp: TCPModuleOptions = .init()) {
        self.name = name
        self.prober = prober
        self.timeout = timeout
        self.interval = interval
        self.tcp = tcp
    }
}

/// Options of the `tcp` prober.
public struct TCPModuleOptions: Sendable, Equatable {
    /// Which address family to try first when a name resolves to both.
    public var preferredIPProtocol: IPProtocol
    /// Whether to try the other family when the preferred one has no address.
    public var ipProtocolFallback: Bool
    /// A POSIX extended regular expression the first line the server sends (its banner) must match.
    public var expectBanner: RegularExpression?
    /// Port used when the target has none (a device name or bare address).
    public var port: Int?

    public init(preferredIPProtocol: IPProtocol = .ip4, ipProtocolFallback: Bool = true,
                expectBanner: RegularExpression? = nil, port: Int? = nil) {
        self.preferredIPProtocol = preferredIPProtocol
        self.ipProtocolFallback = ipProtocolFallback
        self.expectBanner = expectBanner
        self.port = port
    }
}

/// IPv4 or IPv6, spelled as blackbox_exporter spells them.
public enum IPProtocol: String, Sendable, Equatable {
    case ip4, ip6
}
