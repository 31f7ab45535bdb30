/// Options of the `dns` prober: blackbox_exporter's `dns` section.
public struct DNSOptions: ProberOptionsSection {
    public static let proberName = "dns"
    public static let targetForm = TargetForm.hostPort

    public var ipProtocol: IPProtocolPreference

    public init(ipProtocol: IPProtocolPreference = .init()) {
        self.ipProtocol = ipProtocol
    }

    public var wrapped: ProberOptions { .dns(self) }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> DNSOptions {
        var options = DNSOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys)
        options.ipProtocol = try IPProtocolPreference.parse(map)
        return options
    }

    public func render() -> String { ipProtocol.render() }
}
