#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as 4 or 16 bytes.
///
/// Only the canonical spellings are accepted (glibc's `inet_pton`): dotted-decimal IPv4 with four
/// parts (`127.0.0.1`, never `127.1`, `0x7f.0.0.1` or `2130706433`, which `inet_aton` and so
/// `getaddrinfo` would also read as addresses) and RFC 4291 text for IPv6. A zone (`fe80::1%eth0`)
/// is not part of the address: see ``HostPort``.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses a literal IPv4 (`127.0.0.1`) or IPv6 (`::1`) address; nil for anything else —
    /// including text with a NUL, which `inet_pton` would never see past (`127.0.0.1\0junk`).
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 45, text.utf8.allSatisfy({ Self.isAddressByte($0) }) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// Hex digits, `.` and `:`: every byte a literal address can hold.
    static func isAddressByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    /// An address from its 4 or 16 network-order bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, RFC 4291 §2.5.5.2),
    /// else the address itself. Allowlists compare this form: a mapped address reaches the IPv4 host.
    public var unmappingIPv4: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        return IPAddress(bytes: Array(bytes[12..<16]))!
    }

    /// FNV-1a (32 bit) of the address bytes, as blackbox_exporter's `probe_ip_addr_hash`: a number
    /// that changes when the resolved address changes.
    public var fnv1aHash: UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        _ = inet_ntop(family, &copy, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
