/// The options of one prober: its section of a module (`tcp:`, `http:`, `dns:`, `services:`), parsed from
/// ``ConfigNode`` with exact errors and rendered back for `/config` and `debug=true`.
public protocol ProberOptionsSection: Sendable, Equatable {
    /// The prober's name after `prober:`, which is also the key of its section.
    static var proberName: String { get }
    /// How this prober's `/probe` targets are written.
    static var targetForm: TargetForm { get }
    /// Parses the section; `node` is nil when the module has none (all defaults).
    static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> Self
    /// The section's settings as YAML lines (no section key, no indentation); secrets redacted.
    func render() -> String
    /// Why probing `device` by its name could never succeed with these options (checked at load,
    /// so `--config.check` catches it), or nil.
    func problem(probing device: DeviceConfig) -> String?
    /// Why these options cannot work within a module timeout of `timeout`, or nil.
    func problem(withTimeout timeout: PrometheusDuration) -> String?
    /// Whether a device's service (an entry under `services:`) may name a module of this prober:
    /// the prober then checks the service's port (or URL). Default true.
    static var canCheckService: Bool { get }
    /// These options wrapped in their ``ProberOptions`` case.
    var wrapped: ProberOptions { get }
}

extension ProberOptionsSection {
    public func problem(probing device: DeviceConfig) -> String? { nil }
    public func problem(withTimeout timeout: PrometheusDuration) -> String? { nil }
    public static var canCheckService: Bool { true }
}

/// How a prober's targets are written.
public enum TargetForm: Sendable, Equatable {
    /// `host`, `host:port`, `[v6]:port` (``HostPort``).
    case hostPort
    /// A URL (``TargetURL``); `http://` is assumed when no scheme is given.
    case url
    /// A host only (`host`, `v6`, `[v6]`, `[fe80::1%eth0]`): `host:port` is refused with
    /// `noPort`, the reason the prober takes no port (ICMP has none; the services prober probes a
    /// device's own ports).
    case host(noPort: String)
}

/// ONE list of probers' options. Adding a prober: a case here, its line in `sections`, its line in
/// `section`, and its prober in `ProberRegistry` — nothing else outside its own files.
public enum ProberOptions: Sendable, Equatable {
    case tcp(TCPOptions)
    case http(HTTPOptions)
    case dns(DNSOptions)
    case icmp(ICMPOptions)
    case services(ServicesOptions)
    case cloudflared(CloudflaredOptions)
    case iperf3(IPerf3Options)
    case command(CommandOptions)
    case node(NodeOptions)

    /// Every options type, for parsing by prober name.
    static let sections: [any ProberOptionsSection.Type] = [
        TCPOptions.self,
        HTTPOptions.self,
        DNSOptions.self,
        ICMPOptions.self,
        ServicesOptions.self,
        CloudflaredOptions.self,
        IPerf3Options.self,
        CommandOptions.self,
        NodeOptions.self,
    ]

    /// The payload, whatever its prober.
    public var section: any ProberOptionsSection {
        switch self {
        case let .tcp(options): options
        case let .http(options): options
        case let .dns(options): options
        case let .icmp(options): options
        case let .services(options): options
        case let .cloudflared(options): options
        case let .iperf3(options): options
        case let .command(options): options
        case let .node(options): options
        }
    }

    /// The prober's name.
    public var proberName: String { type(of: section).proberName }

    /// How this prober's targets are written.
    public var targetForm: TargetForm { type(of: section).targetForm }

    /// The known prober names, sorted, for error messages.
    public static var proberNames: [String] { sections.map { $0.proberName }.sorted() }

    /// The probers whose modules may check a device's service, for error messages: `dns, http or tcp`.
    public static var serviceProbers: String {
        let names = sections.filter { $0.canCheckService }.map { $0.proberName }.sorted()
        guard let last = names.last else { return "none" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// The options type of the prober called `name`.
    static func section(named name: String) -> (any ProberOptionsSection.Type)? {
        sections.first { $0.proberName == name }
    }
}
