/// Which ad-hoc `/probe` targets (not configured as devices) may be probed: IP literals inside one of
/// the CIDRs, or host names matching one of the glob patterns (`*` and `?`). Host names are NOT
/// resolved for the check, so DNS cannot widen what is allowed.
public struct TargetAllowlist: Sendable, Equatable {
    public var networks: [IPNetwork]
    public var hostPatterns: [String]

    public init(networks: [IPNetwork] = [], hostPatterns: [String] = []) {
        self.networks = networks
        self.hostPatterns = hostPatterns
    }

    /// True when `host` (an IP literal or a host name, without port or brackets) is allowed.
    public func allows(host: String) -> Bool {
        if let address = IPAddress(host)?.unmappingIPv4 {
            return networks.contains { $0.contains(address) }
        }
        let lowered = host.lowercased()
        return hostPatterns.contains { Glob.matches(pattern: $0.lowercased(), text: lowered) }
    }
}

/// Shell-style globbing with `*` (any run of characters) and `?` (one character).
enum Glob {
    static func matches(pattern: String, text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
