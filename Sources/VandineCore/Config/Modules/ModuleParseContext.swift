import FoundationEssentials

/// What an options parser may need besides its node: where relative file paths point and how
/// secrets (`${ENV}` or `*_file`) are read.
public struct ModuleParseContext {
    let secrets: SecretReader
    /// The module's own node, for errors about a section that is missing altogether.
    var module: ConfigNode? = nil

    /// An error positioned at the module (for a required section that is absent).
    public func moduleError(_ message: String) -> ConfigError {
        module?.error(message) ?? ConfigError(file: "", line: nil, column: nil, path: "", message: message)
    }

    /// `path` made absolute against the config file's folder.
    public func resolvePath(_ path: String) -> String { secrets.resolve(path) }

    /// The secret under `key` or `key_file` in `mapping` (nil when neither is set).
    public func secret(_ key: String, in mapping: ConfigMapping) throws(ConfigError) -> Secret? {
        try secrets.secret(key, in: mapping)
    }

    /// A readable file named by `node` (relative to the config file), made absolute.
    public func readableFile(_ node: ConfigNode) throws(ConfigError) -> String {
        let given = try node.nonEmptyString()
        let path = resolvePath(given)
        guard FileManager.default.isReadableFile(atPath: path) else { throw node.error("cannot read file \(node.quotedValue)") }
        return path
    }
}

extension ConfigNode {
    /// A regular expression (see ``RegularExpression/compile(_:)``); the error carries glibc's reason.
    public func regularExpression() throws(ConfigError) -> RegularExpression {
        let text = try string()
        switch RegularExpression.compile(text) {
        case let .success(pattern): return pattern
        case let .failure(error): throw self.error("invalid regular expression \(quotedValue): \(error.reason)")
        }
    }

    /// A list of regular expressions.
    public func regularExpressions() throws(ConfigError) -> [RegularExpression] {
        var patterns: [RegularExpression] = []
        for item in try list() { patterns.append(try item.regularExpression()) }
        return patterns
    }

    /// `preferred_ip_protocol`: `ip4` or `ip6` (blackbox_exporter's spelling; `ipv4`/`ipv6` too).
    public func ipProtocol() throws(ConfigError) -> IPProtocol {
        switch try string() {
        case "ip4", "ipv4": return .ip4
        case "ip6", "ipv6": return .ip6
        default: throw error("must be ip4 or ip6, got \(quotedValue)")
        }
    }
}

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
        var preference = IPProtocolPreference()
        if let node = map["preferred_ip_protocol"] { preference.preferred = try node.ipProtocol() }
        if let node = map["ip_protocol_fallback"] { preference.fallback = try node.bool() }
        return preference
    }

    /// YAML lines.
    public func render() -> String {
        "preferred_ip_protocol: \(preferred.rawValue)\nip_protocol_fallback: \(fallback)\n"
    }
}
