#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VandineCore

/// The kernel's neighbour table (IPv4 ARP and IPv6 NDP entries) read with one rtnetlink dump per
/// call, as `ip neigh show` does. Blocking (bounded by a 2 s receive timeout): call it off Swift's
/// cooperative threads. Needs no privileges.
public struct NetlinkNeighbourTable: NeighbourTableReading {
    /// Longest wait for one datagram of the answer.
    static let receiveTimeoutSeconds = 2
    /// Sequence numbers for requests, so a late answer to an earlier request is never mistaken
    /// for this one.
    private static let nextSequence = Atomic<UInt32>(1)

    public init() {}

    public func entries() throws -> [NeighbourEntry] {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw NeighbourDump.DumpError(description: "cannot open a netlink socket: \(systemErrorMessage(errno))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Self.receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let sequence = Self.nextSequence.wrappingAdd(1, ordering: .relaxed).oldValue
        let request = NeighbourDump.request(sequence: sequence)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else {
            throw NeighbourDump.DumpError(description: "cannot send the neighbour dump request: \(systemErrorMessage(errno))")
        }
        var entries: [NeighbourEntry] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                let reason = count == 0 ? "the socket closed" : errno == EAGAIN ? "no answer within \(Self.receiveTimeoutSeconds)s" : systemErrorMessage(errno)
                throw NeighbourDump.DumpError(description: "cannot read the neighbour table: \(reason)")
            }
            let part = try NeighbourDump.parse(Array(buffer[0..<count]), sequence: sequence)
            entries += part.entries
            if part.done { return entries }
        }
    }
}
