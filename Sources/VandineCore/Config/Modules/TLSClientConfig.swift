/// Prometheus' common `tls_config` for clients (blackbox_exporter's `tls_config` in the `tcp` and
/// `http` sections). File paths are made absolute and checked readable at load.
public struct TLSClientConfig: Sendable, Hashable {
    /// CA bundle (PEM) to verify the server against; nil uses the system's.
    public var caFile: String?
    /// Client certificate and key (PEM) for mutual TLS; both or neither.
    public var certFile: String?
    public var keyFile: String?
    /// Name to send in SNI and to verify the certificate against, instead of the target's host.
    public var serverName: String?
    /// Accept any certificate (the chain is still reported).
    public var insecureSkipVerify: Bool
    /// Lowest and highest TLS versions offered.
    public var minVersion: TLSProtocolVersion?
    public var maxVersion: TLSProtocolVersion?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
                insecureSkipVerify: Bool = false, minVersion: TLSProtocolVersion? = nil, maxVersion: TLSProtocolVersion? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
        self.minVersion = minVersion
        self.maxVersion = maxVersion
    }

    static let keys: Set<String> = ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version"]

    /// Parses a `tls_config` mapping.
    public static func parse(_ node: ConfigNode, context: ModuleParseContext) throws(ConfigError) -> TLSClientConfig {
        let map = try node.mapping(allowedKeys: keys)
        var config = TLSClientConfig()
        if let file = map["ca_file"] { config.caFile = try context.readableFile(file) }
        if let file = map["cert_file"] { config.certFile = try context.readableFile(file) }
        if let file = map["key_file"] { config.keyFile = try context.readableFile(file) }
        if (config.certFile == nil) != (config.keyFile == nil) {
            throw node.error("cert_file and key_file must be set together")
        }
        if let name = map["server_name"] {
            let text = try name.nonEmptyString()
            guard HostName.isValid(text) || IPAddress(text) != nil else {
                throw name.error("must be a host name or IP address, got \(name.quotedValue)")
            }
            config.serverName = text
        }
        if let skip = map["insecure_skip_verify"] { config.insecureSkipVerify = try skip.bool() }
        if let version = map["min_version"] { config.minVersion = try TLSProtocolVersion.parse(version) }
        if let version = map["max_version"] { config.maxVersion = try TLSProtocolVersion.parse(version) }
        if let low = config.minVersion, let high = config.maxVersion, high < low {
            throw node.error("max_version \(high.rawValue) is below min_version \(low.rawValue)")
        }
        return config
    }

    /// YAML lines (no key, no indentation).
    public func render() -> String {
        var out = ""
        if let caFile { out += "ca_file: \(ConfigRenderer.quote(caFile))\n" }
        if let certFile { out += "cert_file: \(ConfigRenderer.quote(certFile))\n" }
        if let keyFile { out += "key_file: \(ConfigRenderer.quote(keyFile))\n" }
        if let serverName { out += "server_name: \(ConfigRenderer.quote(serverName))\n" }
        out += "insecure_skip_verify: \(insecureSkipVerify)\n"
        if let minVersion { out += "min_version: \(minVersion.rawValue)\n" }
        if let maxVersion { out += "max_version: \(maxVersion.rawValue)\n" }
        return out
    }
}
