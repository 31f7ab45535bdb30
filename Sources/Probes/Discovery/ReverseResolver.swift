#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import VandineCore

/// What a reverse lookup found.
public enum ReverseName: Sendable, Equatable {
    /// The address has this name (PTR record or `/etc/hosts`), without a trailing dot.
    case name(String)
    /// The address has no name.
    case none
    /// The lookup failed or did not finish in time; the previous name (if any) should be kept.
    case unknown
}

/// Reverse-resolves addresses to names; behind a protocol so tests can script it.
public protocol HostNameResolving: Sendable {
    /// The name of `address`, within a bounded time.
    func name(for address: IPAddress) async -> ReverseName
}

/// `getnameinfo` with `NI_NAMEREQD` (so an address without a name is `.none`, not its own text),
/// run on a small thread pool of its own because it blocks for up to resolv.conf's timeout, never
/// on Swift's cooperative threads. Each lookup gets at most ``timeout``; a lookup still running
/// then is abandoned (its thread finishes it and drops the answer).
public struct ReverseResolver: HostNameResolving {
    /// Longest wait for one name.
    public let timeout: Duration
    /// The blocking lookup itself (injectable: tests script a slow one).
    let lookup: @Sendable (IPAddress) -> ReverseName

    /// Threads for `getnameinfo`: a few slow names must not hold up every other lookup.
    static let lookupThreads = 4
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: lookupThreads)
        pool.start()
        return pool
    }()

    public init(timeout: Duration = .seconds(2)) {
        self.init(timeout: timeout, lookup: Self.getnameinfo)
    }

    init(timeout: Duration, lookup: @escaping @Sendable (IPAddress) -> ReverseName) {
        self.timeout = timeout
        self.lookup = lookup
    }

    public func name(for address: IPAddress) async -> ReverseName {
        let lookup = self.lookup
        let result = await firstResult(within: timeout) {
            (try? await Self.pool.runIfActive { lookup(address) }) ?? .unknown
        }
        return result ?? .unknown
    }

    /// One blocking `getnameinfo(NI_NAMEREQD)`.
    static func getnameinfo(_ address: IPAddress) -> ReverseName {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc: Int32
        if address.isIPv4 {
            var raw = sockaddr_in()
            raw.sin_family = sa_family_t(AF_INET)
            withUnsafeMutableBytes(of: &raw.sin_addr) { $0.copyBytes(from: address.bytes) }
            rc = withUnsafePointer(to: &raw) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        } else {
            var raw = sockaddr_in6()
            raw.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &raw.sin6_addr) { $0.copyBytes(from: address.bytes) }
            rc = withUnsafePointer(to: &raw) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in6>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        }
        switch rc {
        case 0:
            var name = String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if name.hasSuffix(".") { name.removeLast() }
            return name.isEmpty ? .none : .name(name)
        case EAI_NONAME:
            return .none
        default:
            return .unknown
        }
    }
}
