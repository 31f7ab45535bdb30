import VandineCore

/// What a probe is pointed at: a host (name or IP literal, no brackets), an optional port, and the
/// configured device it belongs to, if any.
public struct ProbeTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int?
    public var device: DeviceConfig?

    public init(host: String, port: Int? = nil, device: DeviceConfig? = nil) {
        self.host = host
        self.port = port
        self.device = device
    }

    /// `host`, `host:port`, `[v6]:port` or `v6` as the user would write it.
    public var description: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(shown):\($0)" } ?? host
    }

    /// Splits `target` into host and port. Accepts `host`, `host:port`, `[v6]`, `[v6]:port` and a
    /// bare IPv6 literal. Returns nil (with the reason) for anything malformed.
    public static func split(_ target: String) -> (host: String, port: Int?)? {
        guard !target.isEmpty, !target.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else { return nil }
        if target.hasPrefix("[") {
            guard let close = target.firstIndex(of: "]") else { return nil }
            let host = String(target[target.index(after: target.startIndex)..<close])
            let rest = target[target.index(after: close)...]
            guard IPAddress(host) != nil else { return nil }
            if rest.isEmpty { return (host, nil) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let colons = target.filter { $0 == ":" }.count
        if colons > 1 {
            return IPAddress(target) != nil ? (target, nil) : nil
        }
        if colons == 1 {
            let parts = target.split(separator: ":", omittingEmptySubsequences: false)
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port)
        }
        return (target, nil)
    }
}
