/// `TLS10` … `TLS13`, as Prometheus' `tls_config` spells them.
public enum TLSProtocolVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    case tls10 = "TLS10"
    case tls11 = "TLS11"
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    static func parse(_ node: ConfigNode) throws(ConfigError) -> TLSProtocolVersion {
        guard let version = TLSProtocolVersion(rawValue: try node.string()) else {
            throw node.error("must be one of TLS10, TLS11, TLS12, TLS13, got \(node.quotedValue)")
        }
        return version
    }
}
