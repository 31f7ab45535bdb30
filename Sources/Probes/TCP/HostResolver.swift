#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import VandineCore

/// Name resolution for probes. IP literals never touch the resolver; names go through getaddrinfo on
/// NIO's thread pool, because getaddrinfo blocks and must stay off Swift's cooperative threads.
public enum HostResolver {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The addresses of `host` on `port`, preferred family first; with `fallback` false only the
    /// preferred family is returned.
    public static func resolve(host: String, port: Int, preferred: IPProtocol, fallback: Bool) async throws -> [SocketAddress] {
        if IPAddress(host) != nil {
            return [try SocketAddress(ipAddress: host, port: port)]
        }
        let all = try await NIOThreadPool.singleton.runIfActive { try getaddrinfo(host: host, port: port) }
        let wantV6 = preferred == .ip6
        let first = all.filter { isV6($0) == wantV6 }
        let rest = fallback ? all.filter { isV6($0) != wantV6 } : []
        let ordered = first + rest
        guard !ordered.isEmpty else {
            throw Failure(description: "\(host) has no \(fallback ? "" : preferred.rawValue + " ")address")
        }
        return ordered
    }

    private static func isV6(_ address: SocketAddress) -> Bool {
        if case .v6 = address { return true }
        return false
    }

    private static func getaddrinfo(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = Glibc.getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
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
        // getaddrinfo lists an address once per protocol; keep the first of each.
        var seen = Set<String>()
        return result.filter { seen.insert($0.description).inserted }
    }
}
