/// The exporter's whole configuration, validated: every module reference resolves, device names are
/// unique, every value is in range.
public struct ExporterConfig: Sendable, Equatable {
    /// Modules by name.
    public var modules: [String: ModuleConfig]
    /// Devices in the order they were written.
    public var devices: [DeviceConfig]
    /// Ad-hoc `/probe` targets allowed besides the configured devices.
    public var allowedTargets: TargetAllowlist
    /// How the ICMP engine opens its sockets.
    public var icmp: ICMPSettings
    /// The LAN discovery sweep, when configured. Addresses inside its networks are also allowed
    /// `/probe` targets.
    public var discovery: DiscoveryConfig?
    /// Continuous mode (smokeping_prober's series), when the config has a `smokeping:` section.
    public var smokeping: SmokepingConfig?

    public init(modules: [String: ModuleConfig] = [:], devices: [DeviceConfig] = [],
                allowedTargets: TargetAllowlist = .init(), icmp: ICMPSettings = .init(), discovery: DiscoveryConfig? = nil,
                smokeping: SmokepingConfig? = nil) {
        self.modules = modules
        self.devices = devices
        self.allowedTargets = allowedTargets
        self.icmp = icmp
        self.discovery = discovery
        self.smokeping = smokeping
    }

    /// The device with this name or address, if any.
    public func device(matching host: String) -> DeviceConfig? {
        let lowered = host.lowercased()
        return devices.first { $0.name.lowercased() == lowered }
            ?? devices.first { $0.address.lowercased() == lowered }
    }
}
