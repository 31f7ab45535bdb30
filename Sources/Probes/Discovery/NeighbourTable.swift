import VandineCore

/// One entry of the kernel's neighbour table (ARP for IPv4, NDP for IPv6): which link-layer
/// address answers for an IP address on an interface.
public struct NeighbourEntry: Sendable, Equatable {
    public var address: IPAddress
    public var mac: MACAddress
    /// Interface index (`ip link` numbering).
    public var interfaceIndex: Int32
    /// The kernel's NUD state bits (`NUD_REACHABLE` 0x02, `NUD_STALE` 0x04, `NUD_PERMANENT` 0x80, …).
    public var state: UInt16

    public init(address: IPAddress, mac: MACAddress, interfaceIndex: Int32 = 0, state: UInt16 = NeighbourState.reachable) {
        self.address = address
        self.mac = mac
        self.interfaceIndex = interfaceIndex
        self.state = state
    }
}

/// The kernel's NUD (neighbour unreachability detection) states, from `linux/neighbour.h`.
public enum NeighbourState {
    public static let incomplete: UInt16 = 0x01
    public static let reachable: UInt16 = 0x02
    public static let stale: UInt16 = 0x04
    public static let delay: UInt16 = 0x08
    public static let probe: UInt16 = 0x10
    public static let failed: UInt16 = 0x20
    public static let noARP: UInt16 = 0x40
    public static let permanent: UInt16 = 0x80

    /// States whose link-layer address was confirmed at some point and may be reported:
    /// reachable, stale, delay, probe and permanent (not incomplete, failed or noarp).
    public static func hasUsableAddress(_ state: UInt16) -> Bool {
        state & (reachable | stale | delay | probe | permanent) != 0
    }
}

/// Reads the neighbour table; behind a protocol so tests can script it. Implementations may
/// block briefly (a netlink dump): callers run them off Swift's cooperative threads.
public protocol NeighbourTableReading: Sendable {
    /// Every usable entry (IPv4 and IPv6). Throws a one-line error when the table cannot be read.
    func entries() throws -> [NeighbourEntry]
}
