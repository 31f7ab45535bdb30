/// A named probe recipe (a blackbox_exporter module): its prober with that prober's options, its
/// timeout and an optional cache interval.
public struct ModuleConfig: Sendable, Equatable {
    public var name: String
    /// Upper bound for one probe; the scrape timeout header can only shorten it.
    public var timeout: PrometheusDuration
    /// When set, the probe runs at most once per interval per target and scrapes get the cached
    /// result (for expensive probes such as throughput tests).
    public var interval: PrometheusDuration?
    /// The prober and its options: one payload per prober, so a module cannot carry another
    /// prober's options.
    public var options: ProberOptions

    /// blackbox_exporter's default module timeout.
    public static let defaultTimeout = PrometheusDuration.seconds(5)

    public init(name: String, timeout: PrometheusDuration = defaultTimeout,
                interval: PrometheusDuration? = nil, options: ProberOptions) {
        self.name = name
        self.timeout = timeout
        self.interval = interval
        self.options = options
    }

    /// The prober's name as written after `prober:`.
    public var prober: String { options.proberName }
}
