import VandineCore

/// A host the sweep found: its address, what the neighbour table and reverse DNS say about it,
/// and when it was seen. Times are Unix seconds (wall clock), as metrics carry them.
public struct DiscoveredHost: Sendable, Equatable {
    public var address: IPAddress
    /// From the kernel's neighbour table; nil for hosts that are not on a local link (or the
    /// exporter's own addresses). Kept from an earlier sweep when the entry has gone since.
    public var mac: MACAddress?
    /// The reverse-DNS name, nil when the address has none.
    public var hostname: String?
    /// Unix seconds of the first sweep it answered.
    public var firstSeen: Double
    /// Unix seconds of the last sweep it answered.
    public var lastSeen: Double
    /// Whether it answered the last completed sweep.
    public var up: Bool
    /// The round-trip time of its last answer.
    public var rtt: Duration?

    public init(address: IPAddress, mac: MACAddress? = nil, hostname: String? = nil, firstSeen: Double,
                lastSeen: Double, up: Bool = true, rtt: Duration? = nil) {
        self.address = address
        self.mac = mac
        self.hostname = hostname
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.up = up
        self.rtt = rtt
    }

    /// The configured device this host is, if any: a device whose address is this host's IP
    /// (compared as addresses: `::ffff:10.0.0.1` is `10.0.0.1`), else one whose address is a name
    /// equal to this host's reverse-DNS name (case and a trailing dot ignored).
    public func knownDevice(in devices: [DeviceConfig]) -> DeviceConfig? {
        if let device = devices.first(where: { IPAddress($0.address)?.unmappingIPv4 == address.unmappingIPv4 }) {
            return device
        }
        guard let hostname = hostname.map(Self.normalized) else { return nil }
        return devices.first { IPAddress($0.address) == nil && Self.normalized($0.address) == hostname }
    }

    static func normalized(_ name: String) -> String {
        var lowered = name.lowercased()
        if lowered.hasSuffix(".") { lowered.removeLast() }
        return lowered
    }
}

/// Sorts addresses IPv4 first, then by their bytes (numeric order), for stable output.
func addressOrder(_ lhs: IPAddress, _ rhs: IPAddress) -> Bool {
    if lhs.bytes.count != rhs.bytes.count { return lhs.bytes.count < rhs.bytes.count }
    return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
}
