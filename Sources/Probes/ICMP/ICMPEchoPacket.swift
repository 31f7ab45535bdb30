import VandineCore

/// The address family of an ICMP socket: ICMP (RFC 792) for IPv4, ICMPv6 (RFC 4443) for IPv6.
public enum ICMPFamily: Sendable, Hashable, CustomStringConvertible {
    case v4
    case v6

    public init(of address: IPAddress) { self = address.isIPv4 ? .v4 : .v6 }

    public var description: String { self == .v4 ? "IPv4" : "IPv6" }
}

/// Echo request and echo reply messages: RFC 792 (ICMP type 8 / 0) and RFC 4443 §4.1–4.2
/// (ICMPv6 type 128 / 129). Pure byte work, no I/O.
enum ICMPEchoPacket {
    static let echoRequestV4: UInt8 = 8
    static let echoReplyV4: UInt8 = 0
    static let echoRequestV6: UInt8 = 128
    static let echoReplyV6: UInt8 = 129
    /// Type, code, checksum, identifier, sequence.
    static let headerSize = 8

    /// An echo request: the 8-byte header and `payloadSize` bytes of data. The IPv4 checksum is
    /// filled in (RFC 1071); for ICMPv6 the kernel computes it, because it covers a pseudo-header
    /// of addresses only the kernel knows for sure (RFC 4443 §2.3). On a datagram socket the kernel
    /// also replaces the identifier with the socket's.
    static func request(family: ICMPFamily, identifier: UInt16, sequence: UInt16, payloadSize: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: headerSize + payloadSize)
        bytes[0] = family == .v4 ? echoRequestV4 : echoRequestV6
        bytes[4] = UInt8(identifier >> 8)
        bytes[5] = UInt8(identifier & 0xFF)
        bytes[6] = UInt8(sequence >> 8)
        bytes[7] = UInt8(sequence & 0xFF)
        // A recognisable fill, as ping(8) does, so captures show whose packets these are.
        for index in 0..<payloadSize { bytes[headerSize + index] = UInt8(truncatingIfNeeded: index) }
        if family == .v4 {
            let sum = checksum(bytes)
            bytes[2] = UInt8(sum >> 8)
            bytes[3] = UInt8(sum & 0xFF)
        }
        return bytes
    }

    /// The Internet checksum of RFC 1071: the one's complement of the one's-complement sum of the
    /// 16-bit words.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// What a received echo reply says.
    struct Reply: Equatable {
        var identifier: UInt16
        var sequence: UInt16
        /// The IPv4 TTL, when the packet came with its IP header (raw IPv4 sockets).
        var ttl: Int?
        /// The IPv4 source address from the IP header, when present.
        var source: IPAddress?
    }

    /// Parses an echo reply; nil for anything else (our own echo requests seen on loopback, other
    /// ICMP types, truncated packets). `withIPHeader` is true for raw IPv4 sockets, which deliver
    /// the IP header too.
    static func parseReply(_ bytes: UnsafeRawBufferPointer, family: ICMPFamily, withIPHeader: Bool) -> Reply? {
        var offset = 0
        var ttl: Int?
        var source: IPAddress?
        if withIPHeader {
            guard bytes.count >= 20, bytes[0] >> 4 == 4 else { return nil }
            offset = Int(bytes[0] & 0x0F) * 4
            guard offset >= 20 else { return nil }
            ttl = Int(bytes[8])
            source = IPAddress(bytes: [bytes[12], bytes[13], bytes[14], bytes[15]])
        }
        guard bytes.count >= offset + headerSize else { return nil }
        guard bytes[offset] == (family == .v4 ? echoReplyV4 : echoReplyV6), bytes[offset + 1] == 0 else { return nil }
        let identifier = UInt16(bytes[offset + 4]) << 8 | UInt16(bytes[offset + 5])
        let sequence = UInt16(bytes[offset + 6]) << 8 | UInt16(bytes[offset + 7])
        return Reply(identifier: identifier, sequence: sequence, ttl: ttl, source: source)
    }
}
