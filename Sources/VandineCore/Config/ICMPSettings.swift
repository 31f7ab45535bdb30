/// The process-wide ICMP settings (the top-level `icmp:` section):
///
/// ```yaml
/// icmp:
///   privileged: auto   # auto (default), true or false
/// ```
///
/// Read when the ICMP engine first opens a socket for a family; a change takes effect at the next
/// start.
public struct ICMPSettings: Sendable, Equatable {
    public var privileged: ICMPPrivilege

    public init(privileged: ICMPPrivilege = .auto) {
        self.privileged = privileged
    }

    static func parse(_ node: ConfigNode) throws(ConfigError) -> ICMPSettings {
        let map = try node.mapping(allowedKeys: ["privileged"])
        var settings = ICMPSettings()
        if let privileged = map["privileged"] {
            let text = try privileged.string()
            guard let value = ICMPPrivilege(rawValue: text) else {
                throw privileged.error("must be auto, true or false, got \(privileged.quotedValue)")
            }
            settings.privileged = value
        }
        return settings
    }
}

/// Whether the ICMP engine may use raw sockets.
public enum ICMPPrivilege: String, Sendable, Equatable, CaseIterable {
    /// The unprivileged datagram socket first, the raw socket when the ping group does not allow it.
    case auto
    /// Raw sockets only (needs root or `CAP_NET_RAW`).
    case `true`
    /// Datagram ("ping") sockets only (needs the process's group in `net.ipv4.ping_group_range`).
    case `false`
}
