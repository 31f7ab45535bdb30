/// The `discovery:` section: which networks the LAN sweep covers, how fast and how often it runs,
/// and what discovered hosts get on `/sd`. Validated at load: every network is a CIDR no larger
/// than ``maxAddresses``, networks do not overlap, a whole sweep fits in ``interval``, and the
/// modules exist and can probe a bare address.
public struct DiscoveryConfig: Sendable, Equatable {
    /// Networks swept, host bits cleared (`192.168.2.0/24`, `fd00:2::/120`), in the order written.
    public var networks: [IPNetwork]
    /// Time from the start of one sweep to the start of the next.
    public var interval: PrometheusDuration
    /// How long each address has to answer its one echo request.
    public var timeout: PrometheusDuration
    /// Echo requests sent per second on average; in any window of `w` seconds at most
    /// `rate × w + max(2, rate / 20)` leave (a late wake-up is caught up in a short burst).
    public var packetsPerSecond: Int
    /// Most addresses one network may span; a larger network is a load error.
    public var maxAddresses: Int
    /// Modules `/sd` offers for each discovered host.
    public var modules: [String]
    /// How long a host that stopped answering keeps its `/metrics` series (last-seen time, info).
    public var keepVanished: PrometheusDuration
    /// Extra labels on discovered hosts' `/sd` entries.
    public var labels: [String: String]

    public static let defaultInterval = PrometheusDuration.seconds(600)
    public static let defaultTimeout = PrometheusDuration.seconds(1)
    public static let defaultPacketsPerSecond = 200
    /// 1024 addresses: an IPv4 /22.
    public static let defaultMaxAddresses = 1024
    /// The module discovered hosts get when `modules` is not written.
    public static let defaultModule = "icmp"
    public static let defaultKeepVanished = PrometheusDuration.seconds(86_400)
    /// Bounds of `packets_per_second`.
    public static let packetsPerSecondRange = 1...10_000
    /// Bounds of `max_addresses` (a /16 at most: 65,536 addresses at 200 packets per second is a
    /// 5.5-minute sweep).
    public static let maxAddressesRange = 1...65_536

    public init(networks: [IPNetwork], interval: PrometheusDuration = defaultInterval,
                timeout: PrometheusDuration = defaultTimeout, packetsPerSecond: Int = defaultPacketsPerSecond,
                maxAddresses: Int = defaultMaxAddresses, modules: [String] = [defaultModule],
                keepVanished: PrometheusDuration = defaultKeepVanished, labels: [String: String] = [:]) {
        self.networks = networks
        self.interval = interval
        self.timeout = timeout
        self.packetsPerSecond = packetsPerSecond
        self.maxAddresses = maxAddresses
        self.modules = modules
        self.keepVanished = keepVanished
        self.labels = labels
    }

    /// True when `host` is an IP literal inside one of the networks (an IPv4-mapped IPv6 address
    /// is compared as IPv4). Names are never resolved for this check.
    public func covers(host: String) -> Bool {
        guard let address = IPAddress(host)?.unmappingIPv4 else { return false }
        return networks.contains { $0.contains(address) }
    }

    /// The network containing `address`, if any.
    public func network(containing address: IPAddress) -> IPNetwork? {
        networks.first { $0.contains(address.unmappingIPv4) }
    }

    /// Every address one sweep sends to, network by network (see ``IPNetwork/hostAddresses(limit:)``).
    public var sweepAddresses: [IPAddress] {
        networks.flatMap { $0.hostAddresses(limit: maxAddresses) ?? [] }
    }

    /// The shortest time a whole sweep can take: one request per address at the packet rate, then
    /// the timeout for the last one.
    public var minimumSweepDuration: Duration {
        let count = sweepAddresses.count
        return .milliseconds(Int64(max(0, count - 1)) * 1000 / Int64(packetsPerSecond)) + timeout.duration
    }
}
