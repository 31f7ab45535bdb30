/// Options of the `icmp` prober: blackbox_exporter's `icmp` section plus multi-packet probing.
///
/// ```yaml
/// icmp:
///   preferred_ip_protocol: ip4   # blackbox: ip6 first, falling back to ip4
///   ip_protocol_fallback: true
///   source_ip_address: 192.0.2.5
///   payload_size: 56             # bytes of echo data (blackbox default: 28)
///   dont_fragment: true          # IPv4 only
///   ttl: 64                      # TTL / hop limit of the requests
///   packets: 5                   # ours: echo requests per probe (default 1, as blackbox)
///   interval: 200ms              # ours: between requests (default 1s, at least 10ms)
///   min_success_ratio: 0.5       # ours: share of replies for probe_success 1 (default 0.5)
/// ```
public struct ICMPOptions: ProberOptionsSection {
    public static let proberName = "icmp"
    public static let targetForm = TargetForm.host(noPort: "ICMP has no ports")
    /// A service is a port; ICMP has none.
    public static let canCheckService = false

    public var ipProtocol: IPProtocolPreference
    /// Local address to send from.
    public var sourceIPAddress: String?
    /// Bytes of echo data after the 8-byte ICMP header.
    public var payloadSize: Int
    /// Set the IPv4 don't-fragment bit.
    public var dontFragment: Bool
    /// TTL / hop limit of the requests; nil keeps the system default.
    public var ttl: Int?
    /// Echo requests per probe.
    public var packets: Int
    /// Time between two requests.
    public var interval: PrometheusDuration
    /// probe_success is 1 when received ÷ sent is at least this.
    public var minSuccessRatio: Double

    /// blackbox_exporter sends "Prometheus Blackbox Exporter", 28 bytes, when `payload_size` is unset.
    public static let defaultPayloadSize = 28
    /// ping(8)'s default gap between requests.
    public static let defaultInterval = PrometheusDuration.seconds(1)
    /// The shortest gap allowed: faster is a flood, not a measurement.
    public static let minimumInterval = PrometheusDuration(milliseconds: 10)
    /// The most requests one probe may send.
    public static let maximumPackets = 1000
    /// Half the packets: one lost packet of five keeps a host up, "80% loss" does not.
    public static let defaultMinSuccessRatio = 0.5
    /// Largest echo payload: 65,535 minus the IPv4 and ICMP headers.
    public static let maximumPayloadSize = 65_507

    public init(ipProtocol: IPProtocolPreference = .init(), sourceIPAddress: String? = nil,
                payloadSize: Int = defaultPayloadSize, dontFragment: Bool = false, ttl: Int? = nil,
                packets: Int = 1, interval: PrometheusDuration = defaultInterval,
                minSuccessRatio: Double = defaultMinSuccessRatio) {
        self.ipProtocol = ipProtocol
        self.sourceIPAddress = sourceIPAddress
        self.payloadSize = payloadSize
        self.dontFragment = dontFragment
        self.ttl = ttl
        self.packets = packets
        self.interval = interval
        self.minSuccessRatio = minSuccessRatio
    }

    public var wrapped: ProberOptions { .icmp(self) }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> ICMPOptions {
        var options = ICMPOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys.union([
            "source_ip_address", "payload_size", "dont_fragment", "ttl", "packets", "interval", "min_success_ratio",
        ]))
        options.ipProtocol = try IPProtocolPreference.parse(map)
        if let source = map["source_ip_address"] { options.sourceIPAddress = try source.ipAddress() }
        if let size = map["payload_size"] { options.payloadSize = try size.int(in: 0...maximumPayloadSize) }
        if let dontFragment = map["dont_fragment"] { options.dontFragment = try dontFragment.bool() }
        // blackbox_exporter refuses TTLs outside 0…255; 0 there means the system default.
        if let ttl = map["ttl"] {
            let value = try ttl.int(in: 0...255)
            options.ttl = value == 0 ? nil : value
        }
        if let packets = map["packets"] { options.packets = try packets.int(in: 1...maximumPackets) }
        if let interval = map["interval"] {
            let value = try interval.duration()
            guard value >= minimumInterval else {
                throw interval.error("must be at least \(minimumInterval), got \(interval.quotedValue)")
            }
            options.interval = value
        }
        if let ratio = map["min_success_ratio"] {
            let text = try ratio.string()
            guard let value = Double(text), value.isFinite, (0...1).contains(value) else {
                throw ratio.error("must be a number from 0 to 1, got \(ratio.quotedValue)")
            }
            options.minSuccessRatio = value
        }
        return options
    }

    /// The requests must all be sent before the timeout, with time left for the last reply.
    public func problem(withTimeout timeout: PrometheusDuration) -> String? {
        let sending = Int64(packets - 1) * interval.milliseconds
        guard sending >= timeout.milliseconds else { return nil }
        return "\(packets) packets \(interval) apart take \(PrometheusDuration(milliseconds: sending)) to send, which does not fit in the module timeout of \(timeout): lower packets or interval, or raise timeout"
    }

    public func render() -> String {
        var out = ipProtocol.render()
        if let sourceIPAddress { out += "source_ip_address: \(sourceIPAddress)\n" }
        out += "payload_size: \(payloadSize)\n"
        out += "dont_fragment: \(dontFragment)\n"
        if let ttl { out += "ttl: \(ttl)\n" }
        out += "packets: \(packets)\n"
        out += "interval: \(interval)\n"
        out += "min_success_ratio: \(minSuccessRatio)\n"
        return out
    }
}
