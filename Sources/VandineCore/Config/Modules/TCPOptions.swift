/// Options of the `tcp` prober: blackbox_exporter's `tcp` section plus our `port` and
/// `expect_banner` shorthands.
///
/// ```yaml
/// tcp:
///   preferred_ip_protocol: ip4
///   source_ip_address: 127.0.0.1
///   query_response:
///     - expect: "^220 "            # matched line by line until one matches or the deadline
///     - send: "EHLO prober\r\n"
///     - expect: "^250-STARTTLS"
///     - send: "STARTTLS\r\n"
///     - expect: "^220"
///     - starttls: true
///   tls: false                     # TLS from the first byte
///   tls_config: {insecure_skip_verify: false}
///   port: 25                       # ours: used when the target has no port
///   expect_banner: "^SSH-2\\.0-"   # ours: shorthand for query_response: [{expect: …}]
/// ```
public struct TCPOptions: ProberOptionsSection {
    public static let proberName = "tcp"
    public static let targetForm = TargetForm.hostPort

    public var ipProtocol: IPProtocolPreference
    /// Local address to connect from.
    public var sourceIPAddress: String?
    /// The dialogue, in order.
    public var queryResponse: [QueryStep]
    /// TLS from the first byte.
    public var tls: Bool
    public var tlsConfig: TLSClientConfig
    /// Port used when the target has none (a device name or bare address).
    public var port: Int?

    public init(ipProtocol: IPProtocolPreference = .init(), sourceIPAddress: String? = nil, queryResponse: [QueryStep] = [],
                tls: Bool = false, tlsConfig: TLSClientConfig = .init(), port: Int? = nil) {
        self.ipProtocol = ipProtocol
        self.sourceIPAddress = sourceIPAddress
        self.queryResponse = queryResponse
        self.tls = tls
        self.tlsConfig = tlsConfig
        self.port = port
    }

    /// One step of blackbox_exporter's `query_response`; a step may combine `expect`, `send` and
    /// `starttls`, done in that order.
    public struct QueryStep: Sendable, Equatable {
        /// Lines are read until one matches (or the deadline): a server may send other lines first.
        public var expect: RegularExpression?
        /// Sent after `expect` matched; `${1}` expands the match's groups (Go's `Regexp.Expand`).
        public var send: String?
        /// Upgrade the connection to TLS (with `tls_config`) after the other parts of the step.
        public var startTLS: Bool

        public init(expect: RegularExpression? = nil, send: String? = nil, startTLS: Bool = false) {
            self.expect = expect
            self.send = send
            self.startTLS = startTLS
        }
    }

    public var wrapped: ProberOptions { .tcp(self) }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> TCPOptions {
        var options = TCPOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys.union([
            "source_ip_address", "query_response", "tls", "tls_config", "port", "expect_banner",
        ]))
        options.ipProtocol = try IPProtocolPreference.parse(map)
        if let source = map["source_ip_address"] { options.sourceIPAddress = try source.ipAddress() }
        if let expect = map["expect_banner"] {
            options.queryResponse.append(QueryStep(expect: try expect.regularExpression()))
        }
        for item in try map["query_response"]?.list() ?? [] {
            let step = try item.mapping(allowedKeys: ["expect", "send", "starttls"])
            var parsed = QueryStep()
            if let expect = step["expect"] { parsed.expect = try expect.regularExpression() }
            if let send = step["send"] { parsed.send = try send.string() }
            if let startTLS = step["starttls"] { parsed.startTLS = try startTLS.bool() }
            guard parsed.expect != nil || parsed.send != nil || parsed.startTLS else {
                throw item.error("a query_response step needs expect, send or starttls")
            }
            options.queryResponse.append(parsed)
        }
        if let tls = map["tls"] { options.tls = try tls.bool() }
        if let config = map["tls_config"] {
            options.tlsConfig = try TLSClientConfig.parse(config, context: context)
            if let name = options.tlsConfig.serverName, IPAddress(name) != nil, let node = try config.mapping(allowedKeys: TLSClientConfig.keys)["server_name"] {
                // NIOSSL, the tcp prober's TLS, sends no SNI for an address and cannot verify against one given here.
                throw node.error("the tcp prober needs a host name here, got the address \(name) (leave server_name out to verify against the target's address)")
            }
        }
        if let port = map["port"] { options.port = try port.int(in: 1...65535) }
        return options
    }

    public func render() -> String {
        var out = ipProtocol.render()
        if let sourceIPAddress { out += "source_ip_address: \(sourceIPAddress)\n" }
        if let port { out += "port: \(port)\n" }
        if !queryResponse.isEmpty {
            out += "query_response:\n"
            for step in queryResponse {
                var lines: [String] = []
                if let expect = step.expect { lines.append("expect: \(ConfigRenderer.quote(expect.pattern))") }
                if let send = step.send { lines.append("send: \(ConfigRenderer.quote(send))") }
                if step.startTLS { lines.append("starttls: true") }
                out += "  - " + lines.joined(separator: "\n    ") + "\n"
            }
        }
        out += "tls: \(tls)\n"
        out += ConfigRenderer.section("tls_config", tlsConfig.render())
        return out
    }

    public func problem(probing device: DeviceConfig) -> String? {
        port == nil ? "a tcp module needs a port: set tcp.port in the module, or probe the device as NAME:PORT" : nil
    }
}
