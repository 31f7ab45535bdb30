/// Value types the probers' options share.
extension ConfigNode {
    /// A regular expression (see ``RegularExpression/compile(_:)``); the error carries glibc's reason.
    public func regularExpression() throws(ConfigError) -> RegularExpression {
        let text = try string()
        switch RegularExpression.compile(text) {
        case let .success(pattern): return pattern
        case let .failure(error): throw self.error("invalid regular expression \(quotedValue): \(error.reason)")
        }
    }

    /// An IP address literal (`source_ip_address`).
    public func ipAddress() throws(ConfigError) -> String {
        let text = try string()
        guard IPAddress(text) != nil else { throw error("must be an IP address, got \(quotedValue)") }
        return text
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
