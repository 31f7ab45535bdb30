/// Options of the `http` prober: blackbox_exporter's `http` section.
public struct HTTPOptions: ProberOptionsSection {
    public static let proberName = "http"
    public static let targetForm = TargetForm.url

    public var ipProtocol: IPProtocolPreference

    public init(ipProtocol: IPProtocolPreference = .init()) {
        self.ipProtocol = ipProtocol
    }

    public var wrapped: ProberOptions { .http(self) }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> HTTPOptions {
        var options = HTTPOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys)
        options.ipProtocol = try IPProtocolPreference.parse(map)
        return options
    }

    public func render() -> String { ipProtocol.render() }
}
