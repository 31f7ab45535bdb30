#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import VandineCore

/// The one resolver every network prober uses (blackbox_exporter's `chooseProtocol`): resolves on
/// every probe, prefers `preferred_ip_protocol`, falls back to the other family only when the
/// preferred one has no address and `ip_protocol_fallback` allows it, and records
/// `probe_dns_lookup_time_seconds`, `probe_ip_protocol` and `probe_ip_addr_hash` once.
///
/// IP literals never touch DNS or a thread; names go through `getaddrinfo` on a thread pool of the
/// resolver's own, because it blocks (up to resolv.conf's timeout when a server is slow) and must
/// stay off Swift's cooperative threads — and off NIO's shared pool, where bcrypt checks of basic
/// auth run: under parallel load a 127.0.0.1 probe waited 360 ms there behind them.
public enum TargetResolver {
    /// Threads for `getaddrinfo`: a few slow names must not hold up every other probe's lookup.
    static let lookupThreads = 8
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: lookupThreads)
        pool.start()
        return pool
    }()

    /// One resolved address.
    public struct Resolved: Sendable, CustomStringConvertible {
        public let address: SocketAddress
        public let ip: IPAddress

        /// `ip:port` or `[ip]:port`, as logs show it.
        public var description: String {
            let port = address.port ?? 0
            return ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
        }
    }

    /// Resolves `endpoint` (its port, else `defaultPort`) and records the metrics. Returns nil after
    /// logging the reason with `context.log.fail` when nothing usable resolves before the deadline.
    public static func resolve(_ endpoint: HostPort, defaultPort: Int = 0, preference: IPProtocolPreference,
                               context: ProbeContext) async -> Resolved? {
        let start = ContinuousClock.now
        let port = endpoint.port ?? defaultPort
        let result: Result<[SocketAddress], ResolveError>
        do {
            let host = endpoint.resolverHost
            if let address = endpoint.address {
                result = .success([try socketAddress(address, zone: endpoint.zone, port: port)])
            } else {
                result = .success(try await pool.runIfActive { try getaddrinfo(host: host, port: port) })
            }
        } catch let error as ResolveError {
            result = .failure(error)
        } catch {
            result = .failure(ResolveError(description: "cannot resolve \(endpoint.host): \(error)"))
        }
        context.metrics.gauge("probe_dns_lookup_time_seconds", (ContinuousClock.now - start).inSeconds,
                              help: "Returns the time taken for probe dns lookup in seconds")
        let all: [SocketAddress]
        switch result {
        case let .success(addresses): all = addresses
        case let .failure(error):
            context.log.fail(error.description)
            return nil
        }
        let wantV6 = preference.preferred == .ip6
        let chosen = all.first { isV6($0) == wantV6 } ?? (preference.fallback ? all.first { isV6($0) != wantV6 } : nil)
        guard let chosen, let ip = ipAddress(of: chosen) else {
            context.log.fail("\(endpoint.host) has no \(preference.preferred.rawValue) address\(preference.fallback ? "" : " and ip_protocol_fallback is false")")
            return nil
        }
        context.metrics.gauge("probe_ip_protocol", isV6(chosen) ? 6 : 4, help: "Specifies whether probe ip protocol is IP4 or IP6")
        context.metrics.gauge("probe_ip_addr_hash", Double(ip.fnv1aHash), help: "Specifies the hash of IP address. It's useful to detect if the IP address changes.")
        if endpoint.address == nil { context.log.log("resolved \(endpoint.host) to \(ip)") }
        return Resolved(address: chosen, ip: ip)
    }

    /// A literal address with its zone as the scope id (an interface name or number). Built by
    /// hand: glibc's getaddrinfo refuses a zone on anything but a link-local address (`::1%lo`),
    /// which Go and so blackbox accept.
    static func socketAddress(_ address: IPAddress, zone: String?, port: Int) throws -> SocketAddress {
        guard let zone, !address.isIPv4 else { return try SocketAddress(ipAddress: address.description, port: port) }
        let scope = UInt32(zone) ?? if_nametoindex(zone)
        guard scope != 0 else { throw ResolveError(description: "no network interface \"\(zone)\" for the IPv6 zone") }
        var raw = sockaddr_in6()
        raw.sin6_family = sa_family_t(AF_INET6)
        raw.sin6_port = in_port_t(UInt16(port)).bigEndian
        raw.sin6_scope_id = scope
        withUnsafeMutableBytes(of: &raw.sin6_addr) { $0.copyBytes(from: address.bytes) }
        return SocketAddress(raw, host: "\(address)%\(zone)")
    }

    struct ResolveError: Error, CustomStringConvertible {
        let description: String
    }

    static func isV6(_ address: SocketAddress) -> Bool {
        if case .v6 = address { return true }
        return false
    }

    static func ipAddress(of address: SocketAddress) -> IPAddress? {
        switch address {
        case let .v4(v4):
            var raw = v4.address.sin_addr
            return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case let .v6(v6):
            var raw = v6.address.sin6_addr
            return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        default:
            return nil
        }
    }

    static func getaddrinfo(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = Glibc.getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw ResolveError(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    result.append(SocketAddress(address, host: host))
                case AF_INET6:
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                    result.append(SocketAddress(address, host: host))
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<String>()
        return result.filter { seen.insert($0.description).inserted }
    }
}
