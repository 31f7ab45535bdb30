/// Sizes, overlap and the host addresses of a network, for the discovery sweep.
extension IPNetwork {
    /// The network with its host bits cleared: `192.168.2.7/24` becomes `192.168.2.0/24`.
    public var masked: IPNetwork {
        var bytes = address.bytes
        var remaining = prefixLength
        for index in bytes.indices {
            let bits = min(8, max(0, remaining))
            bytes[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            remaining -= 8
        }
        return IPNetwork(address: IPAddress(bytes: bytes)!, prefixLength: prefixLength)
    }

    /// Bits left for hosts: 8 in a /24, 64 in an IPv6 /64.
    public var hostBits: Int { address.bytes.count * 8 - prefixLength }

    /// How many addresses the network spans (2^hostBits), or nil when that does not fit in an Int.
    public var addressCount: Int? { hostBits < Int.bitWidth - 1 ? 1 << hostBits : nil }

    /// The size as people write it: `256`, or `2^64` when it is too large to print usefully.
    public var addressCountDescription: String { addressCount.map(String.init) ?? "2^\(hostBits)" }

    /// True when the two networks share an address (networks of different families never do).
    public func overlaps(_ other: IPNetwork) -> Bool {
        contains(other.address) || other.contains(address)
    }

    /// True for IPv6 link-local (`fe80::/10`) networks, whose addresses need an interface (zone).
    public var isIPv6LinkLocal: Bool {
        !address.isIPv4 && address.bytes[0] == 0xFE && address.bytes[1] & 0xC0 == 0x80
    }

    /// The addresses a sweep sends to, in order: every address of the network except, when the
    /// network has more than two, IPv4's network and broadcast addresses and IPv6's subnet-router
    /// anycast address (all host bits zero). Nil when the network is larger than `limit` addresses.
    public func hostAddresses(limit: Int) -> [IPAddress]? {
        guard let count = addressCount, count <= limit else { return nil }
        let base = masked.address.bytes
        var addresses: [IPAddress] = []
        addresses.reserveCapacity(count)
        let skipEnds = count > 2
        for offset in 0..<count {
            if skipEnds && offset == 0 { continue }
            if skipEnds && address.isIPv4 && offset == count - 1 { continue }
            // The host bits of `base` are zero and offset < 2^hostBits: OR-ing the bytes in is the sum.
            var bytes = base
            var rest = offset
            for index in bytes.indices.reversed() where rest > 0 {
                bytes[index] |= UInt8(truncatingIfNeeded: rest)
                rest >>= 8
            }
            addresses.append(IPAddress(bytes: bytes)!)
        }
        return addresses
    }
}
