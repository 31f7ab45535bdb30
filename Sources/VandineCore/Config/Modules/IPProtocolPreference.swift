/// IPv4 or IPv6, spelled as blackbox_exporter spells them.
public enum IPProtocol: String, Sendable, Equatable {
    case ip4, ip6
}

/// blackbox_exporter's `preferred_ip_protocol` + `ip_protocol_fallback`, shared by every network
/// prober. blackbox's defaults: ip6 first, falling back to ip4 when the name has no IPv6 address.
public struct IPProtocolPreference: Sendable, Equatable {
    public var preferred: IPProtocol
    public var fallback: Bool

    public init(preferred: IPProtocol = .ip6, fallback: Bool = true) {
        self.preferred = preferred
        self.fallback = fallback
    }

    /// The keys this reads, for a section's allowed-key list.
    public static let keys: Set<String> = ["preferred_ip_protocol", "ip_protocol_fallback"]

    /// Reads the two keys from a section's mapping.
    public static func parse(_ map: ConfigMapping) throws(ConfigError) -> IPProtocolPreference {
        try parse(map, default: IPProtocolPreference())
    }

    /// Reads the two keys from a section's mapping, starting from another default than blackbox's.
    public static func parse(_ map: ConfigMapping, default: IPProtocolPreference) throws(ConfigError) -> IPProtocolPreference {
        var preference = `default`
        if let node = map["preferred_ip_protocol"] { preference.preferred = try node.ipProtocol() }
        if let node = map["ip_protocol_fallback"] { preference.fallback = try node.bool() }
        return preference
    }

    /// YAML lines.
    public func render() -> String {
        "preferred_ip_protocol: \(preferred.rawValue)\nip_protocol_fallback: \(fallback)\n"
    }
}
