import VandineCore

/// Go's `net.SplitHostPort` and Prometheus's `stripDomain`, for the `stripPort` and
/// `stripDomain` template functions.
enum GoNet {
    /// `host:port`, `[v6]:port` → (host, port); nil where Go returns an error (no port, too many
    /// colons, misplaced brackets).
    static func splitHostPort(_ text: String) -> (host: String, port: String)? {
        let characters = Array(text)
        guard let lastColon = characters.lastIndex(of: ":") else { return nil }
        var host: String
        if characters.first == "[" {
            guard let close = characters.firstIndex(of: "]") else { return nil }
            guard close + 1 == lastColon else { return nil }
            host = String(characters[1..<close])
            if host.contains("[") || host.contains("]") { return nil }
        } else {
            host = String(characters[..<lastColon])
            if host.contains(":") || host.contains("[") || host.contains("]") { return nil }
        }
        let port = String(characters[(lastColon + 1)...])
        if port.contains("[") || port.contains("]") { return nil }
        return (host, port)
    }

    /// Prometheus's `stripDomain`: the first label of a host name, the port kept; IP addresses
    /// unchanged.
    static func stripDomain(_ text: String) -> String {
        let split = splitHostPort(text)
        let host = split?.host ?? text
        if IPAddress(host) != nil { return text }
        let first = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
        guard let port = split?.port, !port.isEmpty else { return first }
        return first.contains(":") ? "[\(first)]:\(port)" : "\(first):\(port)"
    }

    /// The path of a URL (`http://h:9093/am` → `/am`), for `pathPrefix`.
    static func path(ofURL url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "" }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = String(rest[slash...])
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        return path
    }
}
