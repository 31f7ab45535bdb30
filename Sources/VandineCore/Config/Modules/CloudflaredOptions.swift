/// Options of the `cloudflared` prober: scrapes a Cloudflare Tunnel connector's metrics server
/// (`/metrics` and `/ready`), passes its series through and adds `vandine_tunnel_*`.
///
/// ```yaml
/// cloudflared:
///   address: auto               # default; or an explicit "127.0.0.1:20241"
///   preferred_ip_protocol: ip4  # default ip4 here: cloudflared listens on localhost's IPv4
///   ip_protocol_fallback: true
///   body_size_limit: 4MB        # per response (/metrics, /ready); default 4 MiB
///   allow_metrics:              # optional: pass only families whose name matches one entry
///     - cloudflared_tunnel_.*
///     - build_info
///   deny_metrics:               # optional: drop families whose name matches one entry
///     - go_.*
/// ```
///
/// The target: with `address: auto` the `/probe` target names the host whose metrics server is
/// scraped (`localhost`, a device, `127.0.0.1`). A target with a port is scraped on that port only;
/// a target without one is tried on ports 20241 … 20245 in turn, as cloudflared itself picks the
/// first free one of those for `--metrics` (its default is `localhost:20241`): the first port that
/// answers HTTP at all is the connector's, a refused connection moves on to the next. With an
/// explicit `address`, that address is scraped whatever the target says; the target then only
/// names the connector in logs and labels (the address comes from the config, not the request).
///
/// Allow and deny entries are metric family names or regular expressions (RE2 syntax, as in
/// blackbox.yml), matched against the whole family name (a histogram's name without `_bucket`):
/// an exact name is a pattern that matches itself. A family passes when `allow_metrics` is absent
/// or one entry matches, and no `deny_metrics` entry matches.
public struct CloudflaredOptions: ProberOptionsSection {
    public static let proberName = "cloudflared"
    public static let targetForm = TargetForm.hostPort
    /// A device's services are checked by tcp, http or dns modules; a tunnel connector is probed
    /// as a device module instead.
    public static let canCheckService = false

    /// Where the connector's metrics server is.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        /// The target's host, on the target's port or else on ports ``CloudflaredOptions/autoPorts`` in turn.
        case auto
        /// This host and port, whatever the target.
        case explicit(HostPort)

        public var description: String {
            switch self {
            case .auto: "auto"
            case let .explicit(endpoint): endpoint.description
            }
        }
    }

    /// One entry of `allow_metrics` / `deny_metrics`: as written, and compiled anchored at both ends.
    public struct MetricNamePattern: Sendable, Equatable {
        /// The entry as written in the config.
        public let text: String
        let regex: RegularExpression

        /// Whether the whole of `name` matches the entry.
        public func matches(_ name: String) -> Bool { regex.matches(name) }

        /// Compiles `text` anchored (`^(text)$`); nil when it is not a valid expression.
        public init?(_ text: String) {
            guard let regex = RegularExpression("^(\(text))$") else { return nil }
            self.text = text
            self.regex = regex
        }
    }

    /// The ports cloudflared tries for its metrics server, in its order (`localhost:20241` … `20245`).
    public static let autoPorts = Array(20241...20245)
    /// Our default cap per response: 4 MiB, some 40 times a busy connector's `/metrics`.
    public static let defaultBodySizeLimit = 4 << 20

    public var address: Address
    /// The address family to connect with; ip4 first by default (see the type's documentation).
    public var ipProtocol: IPProtocolPreference
    /// The most bytes read of each response (`/metrics`, `/ready`); a larger one fails the probe.
    public var bodySizeLimit: Int
    /// When non-nil, only families matching one entry pass.
    public var allowMetrics: [MetricNamePattern]?
    /// Families matching one entry are dropped.
    public var denyMetrics: [MetricNamePattern]

    public init(address: Address = .auto, ipProtocol: IPProtocolPreference = IPProtocolPreference(preferred: .ip4),
                bodySizeLimit: Int = defaultBodySizeLimit, allowMetrics: [MetricNamePattern]? = nil,
                denyMetrics: [MetricNamePattern] = []) {
        self.address = address
        self.ipProtocol = ipProtocol
        self.bodySizeLimit = bodySizeLimit
        self.allowMetrics = allowMetrics
        self.denyMetrics = denyMetrics
    }

    public var wrapped: ProberOptions { .cloudflared(self) }

    /// Whether a family called `name` passes the allow and deny lists.
    public func passes(_ name: String) -> Bool {
        if let allowMetrics, !allowMetrics.contains(where: { $0.matches(name) }) { return false }
        return !denyMetrics.contains { $0.matches(name) }
    }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> CloudflaredOptions {
        var options = CloudflaredOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys.union([
            "address", "body_size_limit", "allow_metrics", "deny_metrics",
        ]))
        options.ipProtocol = try IPProtocolPreference.parse(map, default: options.ipProtocol)
        if let address = map["address"] { options.address = try parseAddress(address) }
        if let limit = map["body_size_limit"] { options.bodySizeLimit = try HTTPOptions.byteSize(limit) }
        if let allow = map["allow_metrics"] {
            let patterns = try parsePatterns(allow)
            guard !patterns.isEmpty else {
                throw allow.error("must list at least one metric name or pattern (leave allow_metrics out to pass every metric)")
            }
            options.allowMetrics = patterns
        }
        if let deny = map["deny_metrics"] { options.denyMetrics = try parsePatterns(deny) }
        return options
    }

    static func parseAddress(_ node: ConfigNode) throws(ConfigError) -> Address {
        let text = try node.nonEmptyString()
        if text == "auto" { return .auto }
        switch HostPort.parse(text) {
        case let .success(endpoint):
            guard let port = endpoint.port, (1...65535).contains(port) else {
                throw node.error("must be auto or host:port (like 127.0.0.1:20241), got \(node.quotedValue)")
            }
            return .explicit(endpoint)
        case let .failure(reason):
            throw node.error("must be auto or host:port (like 127.0.0.1:20241), got \(node.quotedValue): \(reason)")
        }
    }

    static func parsePatterns(_ node: ConfigNode) throws(ConfigError) -> [MetricNamePattern] {
        var patterns: [MetricNamePattern] = []
        for item in try node.list() {
            let text = try item.nonEmptyString()
            switch RegularExpression.compile("^(\(text))$") {
            case .success:
                if let pattern = MetricNamePattern(text) { patterns.append(pattern) }
            case let .failure(error):
                throw item.error("invalid metric name or regular expression \"\(text)\": \(error.reason)")
            }
        }
        return patterns
    }

    public func render() -> String {
        var out = "address: \(address)\n"
        out += ipProtocol.render()
        out += "body_size_limit: \(bodySizeLimit)\n"
        if let allowMetrics { out += "allow_metrics: [\(allowMetrics.map { ConfigRenderer.quote($0.text) }.joined(separator: ", "))]\n" }
        if !denyMetrics.isEmpty { out += "deny_metrics: [\(denyMetrics.map { ConfigRenderer.quote($0.text) }.joined(separator: ", "))]\n" }
        return out
    }
}
