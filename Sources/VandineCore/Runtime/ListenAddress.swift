#if canImport(Glibc)
import Glibc
#endif
import Logging

/// `--web.listen-address` as Prometheus spells it: `:10110`, `127.0.0.1:10110`, `[::1]:10110`,
/// `localhost:10110`. An empty host means every address of both families, as Go daemons listen.
public struct ListenAddress: Sendable, Equatable {
    /// The host as written, without brackets; empty for "every address".
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"),
              text[text.index(after: colon)...].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return nil }
            host = String(host.dropFirst().dropLast())
            guard let address = IPAddress(host), !address.isIPv4 else { return nil }
        } else if !host.isEmpty {
            guard !host.contains(":"), case .success = HostPort.host(host) else { return nil }
        }
        self.host = host
        self.port = port
    }

    /// What the server binds: the host, or for an empty host the IPv6 wildcard `::`, which on Linux
    /// (`net.ipv6.bindv6only=0`, the default) accepts IPv4 too — or `0.0.0.0` when the machine has
    /// no IPv6 at all.
    public var bindHost: String {
        guard host.isEmpty else { return host }
        return Self.hasIPv6 ? "::" : "0.0.0.0"
    }

    /// Whether an IPv6 socket can be made here (IPv6 may be disabled on the kernel command line).
    static let hasIPv6: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }()
}

/// `--log.level` values as Prometheus spells them (`warn`, not `warning`).
public enum LogLevelName {
    public static func parse(_ text: String) -> Logger.Level? {
        switch text {
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }
}
