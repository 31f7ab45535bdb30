/// A `/probe` target that is a URL (the `http` prober), as blackbox_exporter takes it: `http://` is
/// prefixed when no scheme is given. Only `http` and `https`; the host follows ``HostPort``'s
/// grammar; credentials in the URL are refused (use the module's `basic_auth`), and so is any
/// space, control or non-ASCII byte, so what is checked against `allowed_targets` is exactly what
/// the client connects to.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lower case.
    public var scheme: String
    /// Host (and zone) with the port as written, if any.
    public var authority: HostPort
    /// Everything from the first `/`, `?` or `#` on (may be empty).
    public var rest: String

    /// The port connected to: the explicit one, else 80 or 443.
    public var port: Int { authority.port ?? (scheme == "https" ? 443 : 80) }

    /// The URL as handed to the HTTP client.
    public var description: String {
        var host = authority.host.contains(":") ? "[\(authority.host)\(authority.zone.map { "%25" + $0 } ?? "")]" : authority.host
        if let port = authority.port { host += ":\(port)" }
        return "\(scheme)://\(host)\(rest)"
    }

    /// Parses `text`; the error is a sentence saying what is wrong.
    public static func parse(_ text: String) -> Result<TargetURL, TargetSyntaxError> {
        for byte in text.utf8 where byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\\") {
            return .failure(.init("URL \"\(HostPort.printable(text))\" contains \(HostName.describe(byte))"))
        }
        var scheme = "http"
        var remainder = Substring(text)
        if let (given, after) = text.splitOnce("://") {
            scheme = given.lowercased()
            remainder = after
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(.init("URL scheme must be http or https, got \"\(scheme)\""))
        }
        let end = remainder.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? remainder.endIndex
        var authorityText = String(remainder[..<end])
        guard !authorityText.contains("@") else {
            return .failure(.init("credentials in the URL are not allowed (use the module's basic_auth)"))
        }
        // A zone in a URL is written %25zone (RFC 6874).
        authorityText = authorityText.replacingAll("%25", with: "%")
        switch HostPort.parse(authorityText) {
        case let .success(authority):
            guard authority.host.contains(":") == authorityText.hasPrefix("[") else {
                return .failure(.init("an IPv6 host in a URL must be in brackets"))
            }
            return .success(TargetURL(scheme: scheme, authority: authority, rest: String(remainder[end...])))
        case let .failure(error):
            return .failure(error)
        }
    }
}
