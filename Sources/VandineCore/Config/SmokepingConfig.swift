/// The `smokeping:` section: continuous mode, a drop-in for smokeping_prober. Every listed device
/// and target is pinged once per `interval` in the background and its cumulative series
/// (`smokeping_requests_total`, `smokeping_response_duration_seconds`, …) are served on
/// `metrics_path`.
///
/// ```yaml
/// smokeping:
///   interval: 1s                  # default 1s, at least 50ms
///   devices: [pi1, router]        # configured devices: their address is pinged, host="pi1"
///   targets: [192.168.2.10, unifi.vandine.in]   # host="192.168.2.10" as written
///   metrics_path: /metrics        # default; another path serves the series on their own
///   payload_size: 56              # bytes of echo data, as smokeping_prober's --ping.size
///   buckets: [5e-05, 0.0001, …]   # seconds; default smokeping_prober's 20 buckets
///   ttl: 64                       # IPv4 TTL / IPv6 hop limit of the requests; default the system's
///   source_ip_address: 192.168.2.20
///   preferred_ip_protocol: ip4    # default ip4 (as smokeping_prober's network "ip"), falling back
///   ip_protocol_fallback: true    #   to the other family when the name has no such address
/// ```
public struct SmokepingConfig: Sendable, Equatable {
    /// One pinged host: the `host` label and what is resolved to find the `ip` label.
    public struct Host: Sendable, Hashable {
        /// The `host` label: a device's name, or a target as written.
        public var label: String
        /// The IP literal or host name pinged: a device's address, or the target itself.
        public var address: String

        public init(label: String, address: String) {
            self.label = label
            self.address = address
        }
    }

    /// Time between two echo requests to the same host; default 1 s (smokeping_prober's
    /// `--ping.interval`).
    public var interval: PrometheusDuration
    /// Names of configured devices, as written.
    public var devices: [String]
    /// Host names and IP literals, as written.
    public var targets: [String]
    /// Every pinged host: the devices first, then the targets, in the order written.
    public var hosts: [Host]
    /// Where the series are served; `/metrics` adds them to the exporter's own metrics.
    public var metricsPath: String
    /// Echo data size in bytes after the 8-byte ICMP header (smokeping_prober's `--ping.size`).
    public var payloadSize: Int
    /// Upper bounds of the histogram's buckets in seconds, increasing; `+Inf` is implied.
    public var buckets: [Double]
    /// IPv4 TTL / IPv6 hop limit of the requests; nil keeps the system default.
    public var ttl: Int?
    /// Source address of the requests (the `source` label); nil lets the kernel choose.
    public var sourceIPAddress: String?
    /// Which family a name resolves to.
    public var ipProtocol: IPProtocolPreference

    /// smokeping_prober's default interval: 1 s.
    public static let defaultInterval = PrometheusDuration.seconds(1)
    /// The shortest interval accepted: 50 ms (20 requests per second per host).
    public static let minimumInterval = PrometheusDuration(milliseconds: 50)
    /// smokeping_prober's default buckets: `prometheus.ExponentialBuckets(0.00005, 2, 20)`,
    /// 50 µs to 26.2144 s.
    public static let defaultBuckets: [Double] = (0..<20).map { 0.00005 * Double(1 << $0) }
    /// 56 bytes of echo data, as ping(8) and smokeping_prober send.
    public static let defaultPayloadSize = 56
    /// smokeping_prober's default metrics path.
    public static let defaultMetricsPath = "/metrics"
    /// smokeping_prober's payload range is 24-65535; 65507 is the most an IPv4 datagram can carry.
    public static let payloadSizes = 24...65507
    /// Paths the exporter already serves, which `metrics_path` cannot take.
    public static let reservedPaths: Set<String> = ["/", "/probe", "/sd", "/config", "/-/healthy", "/-/ready", "/-/reload"]

    public init(interval: PrometheusDuration = defaultInterval, devices: [String] = [], targets: [String] = [],
                hosts: [Host] = [], metricsPath: String = defaultMetricsPath,
                payloadSize: Int = defaultPayloadSize, buckets: [Double] = defaultBuckets, ttl: Int? = nil,
                sourceIPAddress: String? = nil,
                ipProtocol: IPProtocolPreference = IPProtocolPreference(preferred: .ip4, fallback: true)) {
        self.interval = interval
        self.devices = devices
        self.targets = targets
        self.hosts = hosts
        self.metricsPath = metricsPath
        self.payloadSize = payloadSize
        self.buckets = buckets
        self.ttl = ttl
        self.sourceIPAddress = sourceIPAddress
        self.ipProtocol = ipProtocol
    }

    static let keys: Set<String> = IPProtocolPreference.keys.union([
        "interval", "devices", "targets", "metrics_path", "payload_size", "buckets", "ttl", "source_ip_address",
    ])

    /// Reads the section; `devices` are the config's devices, which `devices:` must name.
    public static func parse(_ node: ConfigNode, devices known: [DeviceConfig]) throws(ConfigError) -> SmokepingConfig {
        let map = try node.mapping(allowedKeys: keys)
        var config = SmokepingConfig()
        if let interval = map["interval"] {
            let value = try interval.duration()
            guard value >= minimumInterval else {
                throw interval.error("must be at least \(minimumInterval), got \(interval.quotedValue)")
            }
            config.interval = value
        }
        var seen: [String: String] = [:]  // host label -> key path where it was first used
        func claim(_ label: String, _ item: ConfigNode, as kind: String) throws(ConfigError) {
            if let first = seen[label.lowercased()] {
                throw item.error("duplicate \(kind) \"\(label)\": host label already used at \(first)")
            }
            seen[label.lowercased()] = item.path
        }
        for item in try map["devices"]?.list() ?? [] {
            let name = try item.nonEmptyString()
            guard let device = known.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                let names = known.map(\.name)
                throw item.error("unknown device \(item.quotedValue) (configured devices: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            }
            try claim(device.name, item, as: "device")
            config.devices.append(name)
            config.hosts.append(Host(label: device.name, address: device.address))
        }
        for item in try map["targets"]?.list() ?? [] {
            let target = try item.nonEmptyString()
            if case let .failure(problem) = HostPort.host(target) {
                throw item.error("must be a host name or an IP address, got \(item.quotedValue): \(problem)")
            }
            try claim(target, item, as: "target")
            config.targets.append(target)
            config.hosts.append(Host(label: target, address: target))
        }
        if let path = map["metrics_path"] {
            let text = try path.string()
            guard text.hasPrefix("/"), text.utf8.allSatisfy({ ConfigLoader.isLetterOrUnderscore($0) || ConfigLoader.isDigit($0) || "/-.~".utf8.contains($0) }) else {
                throw path.error("must be a URL path starting with / of letters, digits, /, -, _, . and ~, got \(path.quotedValue)")
            }
            guard !reservedPaths.contains(text) else {
                throw path.error("\(text) is already served by the exporter (taken: \(reservedPaths.sorted().joined(separator: ", ")))")
            }
            config.metricsPath = text
        }
        if let size = map["payload_size"] {
            config.payloadSize = try size.int(in: payloadSizes)
        }
        if let list = map["buckets"] {
            var bounds: [Double] = []
            for item in try list.list() {
                let text = try item.string()
                guard let value = Double(text), value.isFinite, value > 0 else {
                    throw item.error("must be a positive number of seconds, got \(item.quotedValue)")
                }
                if let last = bounds.last, value <= last {
                    throw item.error("buckets must increase, got \(text) after \(last)")
                }
                bounds.append(value)
            }
            guard !bounds.isEmpty else { throw list.error("must list at least one bucket") }
            config.buckets = bounds
        }
        if let ttl = map["ttl"] { config.ttl = try ttl.int(in: 1...255) }
        if let source = map["source_ip_address"] { config.sourceIPAddress = try source.ipAddress() }
        config.ipProtocol = try IPProtocolPreference.parse(map, default: config.ipProtocol)
        return config
    }

    /// YAML lines for `/config`.
    public func render() -> String {
        var out = "interval: \(interval)\n"
        out += "devices: [\(devices.map(ConfigRenderer.quote).joined(separator: ", "))]\n"
        out += "targets: [\(targets.map(ConfigRenderer.quote).joined(separator: ", "))]\n"
        out += "metrics_path: \(ConfigRenderer.quote(metricsPath))\n"
        out += "payload_size: \(payloadSize)\n"
        out += "buckets: [\(buckets.map { $0.description }.joined(separator: ", "))]\n"
        if let ttl { out += "ttl: \(ttl)\n" }
        if let sourceIPAddress { out += "source_ip_address: \(ConfigRenderer.quote(sourceIPAddress))\n" }
        return out + ipProtocol.render()
    }
}
