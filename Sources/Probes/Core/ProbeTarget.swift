import VandineCore

/// What a probe is pointed at, parsed and checked: the host to resolve (a configured device's name
/// is replaced by its address), the port if any, the URL for URL-form probers, and the device.
public struct ProbeTarget: Sendable, Equatable, CustomStringConvertible {
    /// Host, zone and port as resolved and connected to. For a device this is its address.
    public var endpoint: HostPort
    /// For URL-form probers (`http`): the URL as the client sends it (the host as written, so the
    /// `Host` header and TLS name stay what the user asked for).
    public var url: TargetURL?
    /// The configured device this target names, if any.
    public var device: DeviceConfig?
    /// The target as the request wrote it (after any extra percent-decoding), for logs and the
    /// status page: `pi1:22` rather than the device's address.
    public var requested: String?

    public init(endpoint: HostPort, url: TargetURL? = nil, device: DeviceConfig? = nil) {
        self.endpoint = endpoint
        self.url = url
        self.device = device
    }

    /// Convenience for tests and callers with a plain host and port.
    public init(host: String, port: Int? = nil, device: DeviceConfig? = nil) {
        self.init(endpoint: HostPort(host: host, port: port), device: device)
    }

    public var host: String { endpoint.host }
    public var port: Int? { endpoint.port }

    public var description: String { url?.description ?? endpoint.description }

    /// What logs show: the requested text, with the address it stands for when that differs.
    public var logDescription: String {
        guard let requested, requested != description else { return description }
        return "\(requested) (\(endpoint))"
    }
}
