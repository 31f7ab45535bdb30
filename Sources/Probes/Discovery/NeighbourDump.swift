import VandineCore

/// rtnetlink's neighbour dump (`RTM_GETNEIGH` with `NLM_F_DUMP`, as `ip neigh show` sends it):
/// the request bytes, and the parser for the `RTM_NEWNEIGH` messages that answer it. Pure byte
/// work, tested on captured dumps; ``NetlinkNeighbourTable`` does the socket I/O.
///
/// Layout (`linux/netlink.h`, `linux/neighbour.h`), all integers in host byte order:
/// `nlmsghdr` {u32 len, u16 type, u16 flags, u32 seq, u32 pid}, then `ndmsg` {u8 family, u8, u16,
/// i32 ifindex, u16 state, u8 flags, u8 type}, then attributes {u16 len, u16 type, data}, each
/// padded to 4 bytes. `NDA_DST` holds the IP address, `NDA_LLADDR` the link-layer address.
public enum NeighbourDump {
    static let headerLength = 16
    static let ndmsgLength = 12
    static let typeError: UInt16 = 2
    static let typeDone: UInt16 = 3
    static let typeNewNeighbour: UInt16 = 28
    static let typeGetNeighbour: UInt16 = 30
    static let flagRequest: UInt16 = 0x1
    static let flagDump: UInt16 = 0x300
    static let attributeDestination: UInt16 = 1
    static let attributeLinkLayer: UInt16 = 2

    /// One dump request for both address families (`AF_UNSPEC`).
    public static func request(sequence: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        append(UInt32(headerLength + ndmsgLength), to: &bytes)
        append(typeGetNeighbour, to: &bytes)
        append(flagRequest | flagDump, to: &bytes)
        append(sequence, to: &bytes)
        append(UInt32(0), to: &bytes)
        bytes += [UInt8](repeating: 0, count: ndmsgLength)
        return bytes
    }

    /// What one datagram of the answer held.
    public struct Part: Sendable, Equatable {
        /// Usable entries (see ``NeighbourState/hasUsableAddress(_:)``) with both addresses.
        public var entries: [NeighbourEntry] = []
        /// True once `NLMSG_DONE` was seen: the dump is complete.
        public var done = false
    }

    /// Why a dump could not be read; one line.
    public struct DumpError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses one datagram of the answer. Messages of other sequence numbers are skipped (a late
    /// answer to an earlier request); a truncated or malformed message is an error, as is an
    /// `NLMSG_ERROR` from the kernel (with its errno's text).
    public static func parse(_ datagram: [UInt8], sequence: UInt32) throws(DumpError) -> Part {
        var part = Part()
        var offset = 0
        while datagram.count - offset >= headerLength {
            let length = Int(read(UInt32.self, datagram, offset))
            let type = read(UInt16.self, datagram, offset + 4)
            let messageSequence = read(UInt32.self, datagram, offset + 8)
            guard length >= headerLength, offset + length <= datagram.count else {
                throw DumpError(description: "truncated netlink message (\(length) bytes at offset \(offset) of \(datagram.count))")
            }
            defer { offset += align(length) }
            guard messageSequence == sequence else { continue }
            switch type {
            case typeDone:
                part.done = true
                return part
            case typeError:
                guard length >= headerLength + 4 else { throw DumpError(description: "truncated netlink error message") }
                let errno = -Int32(bitPattern: read(UInt32.self, datagram, offset + headerLength))
                if errno != 0 { throw DumpError(description: "the kernel refused the neighbour dump: \(systemErrorMessage(errno))") }
            case typeNewNeighbour:
                if let entry = try neighbour(datagram, from: offset + headerLength, to: offset + length) {
                    part.entries.append(entry)
                }
            default:
                continue
            }
        }
        if offset < datagram.count {
            throw DumpError(description: "truncated netlink message (\(datagram.count - offset) trailing bytes)")
        }
        return part
    }

    /// One `RTM_NEWNEIGH` body; nil for entries without both addresses or in an unusable state.
    static func neighbour(_ bytes: [UInt8], from start: Int, to end: Int) throws(DumpError) -> NeighbourEntry? {
        guard end - start >= ndmsgLength else { throw DumpError(description: "truncated neighbour message") }
        let interfaceIndex = Int32(bitPattern: read(UInt32.self, bytes, start + 4))
        let state = read(UInt16.self, bytes, start + 8)
        var destination: IPAddress?
        var linkLayer: MACAddress?
        var offset = start + ndmsgLength
        while end - offset >= 4 {
            let length = Int(read(UInt16.self, bytes, offset))
            let type = read(UInt16.self, bytes, offset + 2) & 0x3FFF  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            guard length >= 4, offset + length <= end else { throw DumpError(description: "truncated neighbour attribute") }
            let value = Array(bytes[(offset + 4)..<(offset + length)])
            switch type {
            case attributeDestination: destination = IPAddress(bytes: value)
            case attributeLinkLayer: linkLayer = MACAddress(bytes: value)
            default: break
            }
            offset += align(length)
        }
        guard let destination, let linkLayer, NeighbourState.hasUsableAddress(state) else { return nil }
        return NeighbourEntry(address: destination, mac: linkLayer, interfaceIndex: interfaceIndex, state: state)
    }

    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// An integer in host byte order, as netlink writes them.
    static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }
}
