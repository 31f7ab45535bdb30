#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import VandineCore

/// One ICMP socket: the only code that touches the kernel for ICMP. Non-blocking; the engine's
/// receive thread polls it.
///
/// A raw socket (`SOCK_RAW`) keeps the identifier we write and, for IPv4, delivers the IP header;
/// it sees every ICMP packet of the host, so a kernel filter (`ICMP_FILTER` / `ICMP6_FILTER`) lets
/// only echo replies through — our own echo requests on loopback never reach us. A datagram socket
/// (`SOCK_DGRAM`, Linux "ping socket") works without privileges when the process's group is in
/// `net.ipv4.ping_group_range` (which governs IPv6 too); the kernel then replaces the identifier
/// with the socket's bound one and delivers only replies to it.
final class ICMPSocket: Sendable {
    enum Kind: String, Sendable { case raw, datagram }

    let descriptor: Int32
    let family: ICMPFamily
    let kind: Kind
    /// For a datagram socket, the identifier the kernel puts in every request (bound at open).
    let boundIdentifier: UInt16?

    // Linux constants Glibc's module does not export (linux/icmp.h, netinet/icmp6.h, asm/socket.h).
    private static let solRaw: Int32 = 255
    private static let icmpFilter: Int32 = 1
    private static let icmp6Filter: Int32 = 1
    private static let soTimestampNS: Int32 = 35
    /// Room for bursts of replies: 1,024 targets answering within a millisecond are ~100 KiB.
    private static let receiveBufferBytes: Int32 = 1 << 20

    private init(descriptor: Int32, family: ICMPFamily, kind: Kind, boundIdentifier: UInt16?) {
        self.descriptor = descriptor
        self.family = family
        self.kind = kind
        self.boundIdentifier = boundIdentifier
    }

    deinit { close(descriptor) }

    /// Opens a socket for `family` as `privilege` allows: `.auto` tries the datagram socket, then
    /// the raw one. With `dontFragment`, IPv4 packets carry DF (`IP_PMTUDISC_DO`): a socket-wide
    /// setting, which is why don't-fragment probes get a socket of their own.
    ///
    /// - Throws: ``ICMPError/notPermitted(_:)`` with the sysctl and the capability to set when
    ///   neither kind is allowed; ``ICMPError/socketFailed(_:)`` for anything else.
    static func open(family: ICMPFamily, privilege: ICMPPrivilege, dontFragment: Bool = false) throws(ICMPError) -> ICMPSocket {
        let kinds: [Kind] = switch privilege {
        case .auto: [.datagram, .raw]
        case .true: [.raw]
        case .false: [.datagram]
        }
        var refused: [Kind] = []
        for kind in kinds {
            let domain = family == .v4 ? AF_INET : AF_INET6
            let proto = family == .v4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6)
            let type = Int32(kind == .raw ? SOCK_RAW.rawValue : SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let descriptor = socket(domain, type, proto)
            if descriptor < 0 {
                let code = errno
                if code == EACCES || code == EPERM { refused.append(kind); continue }
                throw .socketFailed("cannot open an \(family) ICMP \(kind.rawValue) socket: \(systemErrorMessage(code))")
            }
            do {
                return try configure(descriptor: descriptor, family: family, kind: kind, dontFragment: dontFragment)
            } catch {
                close(descriptor)
                throw error
            }
        }
        throw .notPermitted(notPermittedMessage(family: family, privilege: privilege, refused: refused))
    }

    /// The one line that says what to change when no socket is allowed.
    static func notPermittedMessage(family: ICMPFamily, privilege: ICMPPrivilege, refused: [Kind]) -> String {
        let gid = getegid()
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ping_group_range", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ") ?? "unknown"
        let sysctl = "add group \(gid) to net.ipv4.ping_group_range (now \"\(range)\"), e.g. sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""
        let capability = "give the process CAP_NET_RAW (setcap cap_net_raw+ep on the binary, or AmbientCapabilities=CAP_NET_RAW in its systemd unit)"
        switch privilege {
        case .auto: return "\(family) ICMP is not permitted: \(sysctl), or \(capability)"
        case .true: return "\(family) ICMP with icmp.privileged: true is not permitted: \(capability), or set icmp.privileged to auto and \(sysctl)"
        case .false: return "\(family) ICMP with icmp.privileged: false is not permitted: \(sysctl)"
        }
    }

    private static func configure(descriptor: Int32, family: ICMPFamily, kind: Kind, dontFragment: Bool) throws(ICMPError) -> ICMPSocket {
        func set(_ level: Int32, _ name: Int32, _ value: Int32) {
            var value = value
            _ = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
        set(SOL_SOCKET, SO_RCVBUF, receiveBufferBytes)
        // Kernel receive timestamps: the RTT does not include the time the receive thread took to
        // get scheduled.
        set(SOL_SOCKET, soTimestampNS, 1)
        switch family {
        case .v4:
            if kind == .datagram { set(Int32(IPPROTO_IP), IP_RECVTTL, 1) }
            if dontFragment { set(Int32(IPPROTO_IP), IP_MTU_DISCOVER, IP_PMTUDISC_DO) }
            if kind == .raw {
                // Pass echo replies (type 0) only: a set bit filters that type out.
                var mask: UInt32 = ~(UInt32(1) << UInt32(ICMPEchoPacket.echoReplyV4))
                guard setsockopt(descriptor, solRaw, icmpFilter, &mask, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
                    throw .socketFailed("cannot set ICMP_FILTER on the IPv4 raw socket: \(systemErrorMessage(errno))")
                }
            }
        case .v6:
            set(Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, 1)
            if kind == .raw {
                // struct icmp6_filter: eight 32-bit words, a set bit blocks that type.
                var filter = [UInt32](repeating: 0xFFFF_FFFF, count: 8)
                let type = Int(ICMPEchoPacket.echoReplyV6)
                filter[type >> 5] &= ~(UInt32(1) << UInt32(type & 31))
                let result = filter.withUnsafeMutableBytes {
                    setsockopt(descriptor, Int32(IPPROTO_ICMPV6), icmp6Filter, $0.baseAddress, socklen_t($0.count))
                }
                guard result == 0 else {
                    throw .socketFailed("cannot set ICMP6_FILTER on the IPv6 raw socket: \(systemErrorMessage(errno))")
                }
            }
        }
        var identifier: UInt16?
        if kind == .datagram {
            identifier = try bindIdentifier(descriptor: descriptor, family: family)
        }
        return ICMPSocket(descriptor: descriptor, family: family, kind: kind, boundIdentifier: identifier)
    }

    /// Binds a datagram socket to a random identifier (its "port"): the kernel writes it into every
    /// request and delivers only replies carrying it.
    private static func bindIdentifier(descriptor: Int32, family: ICMPFamily) throws(ICMPError) -> UInt16 {
        for _ in 0..<16 {
            let identifier = UInt16.random(in: 1...UInt16.max)
            var result: Int32
            switch family {
            case .v4:
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = identifier.bigEndian
                result = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            case .v6:
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = identifier.bigEndian
                result = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
            }
            if result == 0 { return identifier }
            guard errno == EADDRINUSE else { break }
        }
        throw .socketFailed("cannot bind the \(family) ICMP datagram socket: \(systemErrorMessage(errno))")
    }

    // MARK: - Sending

    /// Sends one packet. TTL / hop limit and the source address go as ancillary data, so one socket
    /// serves probes with different options.
    func send(_ packet: [UInt8], to destination: ICMPDestination, ttl: Int?, source: IPAddress?) throws(ICMPError) {
        var control = ControlMessages()
        switch family {
        case .v4:
            if let ttl { control.append(level: Int32(IPPROTO_IP), type: IP_TTL, value: Int32(ttl)) }
            if let source {
                var info = in_pktinfo()
                withUnsafeMutableBytes(of: &info.ipi_spec_dst) { $0.copyBytes(from: source.bytes) }
                control.append(level: Int32(IPPROTO_IP), type: IP_PKTINFO, value: info)
            }
        case .v6:
            if let ttl { control.append(level: Int32(IPPROTO_IPV6), type: IPV6_HOPLIMIT, value: Int32(ttl)) }
            if let source {
                var info = IPv6PacketInfo()
                withUnsafeMutableBytes(of: &info.address) { $0.copyBytes(from: source.bytes) }
                control.append(level: Int32(IPPROTO_IPV6), type: IPV6_PKTINFO, value: info)
            }
        }
        var storage = sockaddr_storage()
        let length = Self.fill(&storage, destination: destination)
        var controlBytes = control.bytes
        let sent: Int = packet.withUnsafeBytes { payload in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count)
            return withUnsafeMutablePointer(to: &storage) { address in
                controlBytes.withUnsafeMutableBytes { controlBytes in
                    var message = msghdr()
                    message.msg_name = UnsafeMutableRawPointer(address)
                    message.msg_namelen = length
                    message.msg_control = controlBytes.count > 0 ? controlBytes.baseAddress : nil
                    message.msg_controllen = controlBytes.count
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        return sendmsg(descriptor, &message, Int32(MSG_DONTWAIT))
                    }
                }
            }
        }
        guard sent == packet.count else {
            throw .sendFailed("cannot send an echo request to \(destination): \(systemErrorMessage(sent < 0 ? errno : EMSGSIZE))")
        }
    }

    private static func fill(_ storage: inout sockaddr_storage, destination: ICMPDestination) -> socklen_t {
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            if destination.address.isIPv4 {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: destination.address.bytes) }
                withUnsafeBytes(of: address) { raw.copyBytes(from: $0) }
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_scope_id = destination.scopeID
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: destination.address.bytes) }
            withUnsafeBytes(of: address) { raw.copyBytes(from: $0) }
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
    }

    // MARK: - Receiving

    /// One packet as read: its echo reply fields (nil when it is not an echo reply), its source,
    /// hop limit and kernel receive time.
    struct Received {
        var reply: ICMPEchoPacket.Reply?
        var source: IPAddress?
        var hopLimit: Int?
        /// CLOCK_REALTIME nanoseconds from the kernel's timestamp, nil when none came.
        var timestampNanoseconds: Int64?
    }

    /// Reads one packet without blocking; nil when none is waiting. Throws the errno of a failed
    /// read (counted as a receive error).
    func receive(buffer: UnsafeMutableRawBufferPointer, control: UnsafeMutableRawBufferPointer) throws(ICMPError) -> Received? {
        var storage = sockaddr_storage()
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        var message = msghdr()
        let count: Int = withUnsafeMutablePointer(to: &storage) { address in
            withUnsafeMutablePointer(to: &vector) { vectorPointer in
                message.msg_name = UnsafeMutableRawPointer(address)
                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = control.baseAddress
                message.msg_controllen = control.count
                return recvmsg(descriptor, &message, Int32(MSG_DONTWAIT))
            }
        }
        if count < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return nil }
            throw .socketFailed("cannot read from the \(family) ICMP socket: \(systemErrorMessage(code))")
        }
        let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        var received = Received()
        received.reply = ICMPEchoPacket.parseReply(packet, family: family, withIPHeader: family == .v4 && kind == .raw)
        received.source = received.reply?.source ?? Self.address(of: storage)
        received.hopLimit = received.reply?.ttl
        ControlMessages.parse(UnsafeRawBufferPointer(rebasing: control[0..<Int(message.msg_controllen)])) { level, type, data in
            if level == SOL_SOCKET, type == Self.soTimestampNS, data.count >= 16 {
                let seconds = data.loadUnaligned(fromByteOffset: 0, as: Int64.self)
                let nanoseconds = data.loadUnaligned(fromByteOffset: 8, as: Int64.self)
                received.timestampNanoseconds = seconds * 1_000_000_000 + nanoseconds
            } else if (level == Int32(IPPROTO_IP) && type == IP_TTL) || (level == Int32(IPPROTO_IPV6) && type == IPV6_HOPLIMIT),
                      data.count >= 4 {
                received.hopLimit = Int(data.loadUnaligned(as: Int32.self))
            }
        }
        return received
    }

    private static func address(of storage: sockaddr_storage) -> IPAddress? {
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: storage) { raw -> IPAddress? in
            switch family {
            case AF_INET:
                let address = raw.loadUnaligned(as: sockaddr_in.self)
                return IPAddress(bytes: withUnsafeBytes(of: address.sin_addr) { Array($0) })
            case AF_INET6:
                let address = raw.loadUnaligned(as: sockaddr_in6.self)
                return IPAddress(bytes: withUnsafeBytes(of: address.sin6_addr) { Array($0) })
            default:
                return nil
            }
        }
    }
}

/// `struct in6_pktinfo` (RFC 3542 §6), which glibc declares only under `_GNU_SOURCE`.
struct IPv6PacketInfo {
    var address = in6_addr()
    var interfaceIndex: UInt32 = 0
}

/// Ancillary data (`cmsghdr` records) built and read by hand: glibc's CMSG_* are macros Swift
/// cannot call. On 64-bit Linux a header is `size_t len, int level, int type` (16 bytes) and every
/// record is padded to 8 bytes.
struct ControlMessages {
    private static let alignment = MemoryLayout<Int>.size
    private static let headerSize = MemoryLayout<Int>.size + 2 * MemoryLayout<Int32>.size
    private(set) var bytes: [UInt8] = []

    private static func aligned(_ length: Int) -> Int { (length + alignment - 1) & ~(alignment - 1) }

    mutating func append<Value>(level: Int32, type: Int32, value: Value) {
        let dataSize = MemoryLayout<Value>.size
        var record = [UInt8](repeating: 0, count: Self.aligned(Self.headerSize + dataSize))
        record.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: Self.headerSize + dataSize, toByteOffset: 0, as: Int.self)
            raw.storeBytes(of: level, toByteOffset: MemoryLayout<Int>.size, as: Int32.self)
            raw.storeBytes(of: type, toByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self)
            withUnsafeBytes(of: value) { valueBytes in
                UnsafeMutableRawBufferPointer(rebasing: raw[Self.headerSize..<(Self.headerSize + dataSize)]).copyMemory(from: valueBytes)
            }
        }
        bytes += record
    }

    /// Calls `body` with each record's level, type and data.
    static func parse(_ control: UnsafeRawBufferPointer, _ body: (Int32, Int32, UnsafeRawBufferPointer) -> Void) {
        var offset = 0
        while offset + headerSize <= control.count {
            let length = control.loadUnaligned(fromByteOffset: offset, as: Int.self)
            guard length >= headerSize, offset + length <= control.count else { return }
            let level = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
            body(level, type, UnsafeRawBufferPointer(rebasing: control[(offset + headerSize)..<(offset + length)]))
            offset += aligned(length)
        }
    }
}
