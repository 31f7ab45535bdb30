/// A target written as Go's `net.SplitHostPort` reads it, as blackbox_exporter does: `host`,
/// `host:port`, `[v6]`, `[v6]:port`, `[fe80::1%eth0]:port`, or a bare IPv6 literal. The host is an
/// IP literal in canonical form or a name that follows ``HostName``'s grammar; the port is 1-65535
/// in decimal digits only. Anything else is refused with the reason, never guessed at.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host without brackets or zone: an IP literal or a host name.
    public var host: String
    /// The IPv6 zone (interface) after `%`, when given.
    public var zone: String?
    public var port: Int?

    public init(host: String, zone: String? = nil, port: Int? = nil) {
        self.host = host
        self.zone = zone
        self.port = port
    }

    /// The host as an address when it is an IP literal.
    public var address: IPAddress? { IPAddress(host) }

    /// What the resolver is given: the host, with `%zone` for a scoped IPv6 address.
    public var resolverHost: String { zone.map { "\(host)%\($0)" } ?? host }

    /// `host`, `host:port`, `[v6]:port` or `v6`, as the user would write it.
    public var description: String {
        let shown = host.contains(":") ? "[\(resolverHost)]" : host
        guard let port else { return host.contains(":") ? resolverHost : host }
        return "\(shown):\(port)"
    }

    /// Parses `text`; the error is a sentence saying what is wrong.
    public static func parse(_ text: String) -> Result<HostPort, TargetSyntaxError> {
        guard !text.isEmpty else { return .failure(.init("target is empty")) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.init("missing ']' in \"\(printable(text))\"")) }
            let inside = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            let (literal, zone) = splitZone(inside)
            guard let address = IPAddress(literal), !address.isIPv4 else {
                return .failure(.init("\"\(printable(inside))\" in brackets is not an IPv6 address"))
            }
            if let zone, !isValidZone(zone) { return .failure(.init("invalid IPv6 zone \"\(printable(zone))\"")) }
            if rest.isEmpty { return .success(HostPort(host: literal, zone: zone)) }
            guard rest.hasPrefix(":") else { return .failure(.init("unexpected \"\(printable(String(rest)))\" after ']'")) }
            return port(String(rest.dropFirst())).map { HostPort(host: literal, zone: zone, port: $0) }
        }
        let colons = text.utf8.count(where: { $0 == UInt8(ascii: ":") })
        if colons > 1 {
            let (literal, zone) = splitZone(text)
            guard let address = IPAddress(literal), !address.isIPv4 else {
                return .failure(.init("\"\(printable(text))\" has too many colons (write IPv6 with a port as [v6]:port)"))
            }
            if let zone, !isValidZone(zone) { return .failure(.init("invalid IPv6 zone \"\(printable(zone))\"")) }
            return .success(HostPort(host: literal, zone: zone))
        }
        var hostText = text
        var parsedPort: Int?
        if colons == 1 {
            let colon = text.firstIndex(of: ":")!
            hostText = String(text[..<colon])
            switch port(String(text[text.index(after: colon)...])) {
            case let .success(value): parsedPort = value
            case let .failure(error): return .failure(error)
            }
            guard !hostText.isEmpty else { return .failure(.init("host is empty")) }
        }
        return host(hostText).map { HostPort(host: $0, port: parsedPort) }
    }

    /// Validates a bare host (IP literal or host name), as used for device addresses and URL hosts.
    public static func host(_ text: String) -> Result<String, TargetSyntaxError> {
        if IPAddress(text) != nil { return .success(text) }
        if let problem = HostName.problem(with: text) { return .failure(.init(problem)) }
        return .success(text)
    }

    static func port(_ text: String) -> Result<Int, TargetSyntaxError> {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text), (1...65535).contains(value)
        else { return .failure(.init("port must be 1-65535, got \"\(printable(text))\"")) }
        return .success(value)
    }

    static func splitZone(_ text: String) -> (String, String?) {
        guard let percent = text.firstIndex(of: "%") else { return (text, nil) }
        return (String(text[..<percent]), String(text[text.index(after: percent)...]))
    }

    static func isValidZone(_ zone: String) -> Bool {
        !zone.isEmpty && zone.utf8.count <= 64 && zone.utf8.allSatisfy { HostName.isNameByte($0) || $0 == UInt8(ascii: ".") }
    }

    /// `text` with control and non-ASCII bytes shown as `\xNN`, so an error line stays one line and
    /// shows exactly what arrived.
    public static func printable(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "\"") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

/// Why a target string was refused: one sentence, safe to print (no raw control bytes).
public struct TargetSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
