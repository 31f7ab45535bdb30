import FoundationEssentials

/// Options of the `http` prober: blackbox_exporter's `http` section (with Prometheus'
/// `http_client_config` keys inline, as blackbox has them).
///
/// ```yaml
/// http:
///   valid_status_codes: []              # default 2xx
///   valid_http_versions: ["HTTP/1.1", "HTTP/2.0"]
///   method: GET
///   headers: {Accept: text/html}
///   body: ""
///   compression: gzip                   # Accept-Encoding, and the body is decompressed
///   follow_redirects: true
///   fail_if_ssl: false
///   fail_if_not_ssl: false
///   fail_if_body_matches_regexp: ["Could not connect to database"]
///   fail_if_body_not_matches_regexp: ["Download the latest version here"]
///   fail_if_header_matches: [{header: Set-Cookie, regexp: 'Secure', allow_missing: true}]
///   fail_if_header_not_matches: [{header: Access-Control-Allow-Origin, regexp: '(\*|example\.com)'}]
///   tls_config: {insecure_skip_verify: false}
///   basic_auth: {username: u, password_file: /etc/secret}
///   bearer_token_file: /etc/token
///   proxy_url: http://proxy:3128
///   enable_http2: true
///   body_size_limit: 10MB
///   preferred_ip_protocol: ip4
///   ip_protocol_fallback: true
/// ```
public struct HTTPOptions: ProberOptionsSection {
    public static let proberName = "http"
    public static let targetForm = TargetForm.url

    /// Accepted status codes; empty means any 2xx (blackbox's default).
    public var validStatusCodes: [Int]
    /// Any status code passes (the body and header checks still apply).
    public var acceptAnyResponse: Bool
    /// Accepted versions as blackbox spells them (`HTTP/1.0`, `HTTP/1.1`, `HTTP/2.0`); empty: any.
    public var validHTTPVersions: [String]
    public var method: String
    /// Request headers, in the order written.
    public var headers: [(name: String, value: String)]
    public var body: String?
    /// `Accept-Encoding` to send and decode (`gzip`, `br`, `deflate`, `identity`); nil sends none.
    public var compression: String?
    public var followRedirects: Bool
    public var failIfSSL: Bool
    public var failIfNotSSL: Bool
    public var failIfBodyMatches: [RegularExpression]
    public var failIfBodyNotMatches: [RegularExpression]
    public var failIfHeaderMatches: [HeaderMatch]
    public var failIfHeaderNotMatches: [HeaderMatch]
    public var tlsConfig: TLSClientConfig
    public var basicAuth: (username: String, password: Secret?)?
    public var bearerToken: Secret?
    public var proxyURL: String?
    /// With a proxy, leave name resolution to the proxy (no resolve phase).
    public var skipResolvePhaseWithProxy: Bool
    /// Offer HTTP/2 over TLS (blackbox's `enable_http2`, default true); false stays on HTTP/1.1.
    public var enableHTTP2: Bool
    /// Largest body read, in bytes; a larger body fails the probe. blackbox's default is unlimited;
    /// ours is 16 MiB so one huge page cannot exhaust a Raspberry Pi's memory.
    public var bodySizeLimit: Int
    public var ipProtocol: IPProtocolPreference

    /// Our default `body_size_limit`: 16 MiB.
    public static let defaultBodySizeLimit = 16 * 1024 * 1024

    /// One `fail_if_header_matches` / `fail_if_header_not_matches` rule.
    public struct HeaderMatch: Sendable, Equatable {
        public var header: String
        public var regexp: RegularExpression
        /// When the header is absent: true passes the rule, false fails the probe.
        public var allowMissing: Bool

        public init(header: String, regexp: RegularExpression, allowMissing: Bool = false) {
            self.header = header
            self.regexp = regexp
            self.allowMissing = allowMissing
        }
    }

    public init() {
        validStatusCodes = []
        acceptAnyResponse = false
        validHTTPVersions = []
        method = "GET"
        headers = []
        body = nil
        compression = nil
        followRedirects = true
        failIfSSL = false
        failIfNotSSL = false
        failIfBodyMatches = []
        failIfBodyNotMatches = []
        failIfHeaderMatches = []
        failIfHeaderNotMatches = []
        tlsConfig = TLSClientConfig()
        basicAuth = nil
        bearerToken = nil
        proxyURL = nil
        skipResolvePhaseWithProxy = false
        enableHTTP2 = true
        bodySizeLimit = Self.defaultBodySizeLimit
        ipProtocol = IPProtocolPreference()
    }

    public var wrapped: ProberOptions { .http(self) }

    static let keys: Set<String> = IPProtocolPreference.keys.union([
        "valid_status_codes", "accept_any_response", "valid_http_versions", "method", "headers", "body", "body_file", "compression",
        "follow_redirects", "fail_if_ssl", "fail_if_not_ssl", "fail_if_body_matches_regexp",
        "fail_if_body_not_matches_regexp", "fail_if_header_matches", "fail_if_header_not_matches",
        "tls_config", "basic_auth", "bearer_token", "bearer_token_file", "proxy_url", "skip_resolve_phase_with_proxy", "enable_http2",
        "body_size_limit",
    ])

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> HTTPOptions {
        var options = HTTPOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: keys)
        options.ipProtocol = try IPProtocolPreference.parse(map)
        for item in try map["valid_status_codes"]?.list() ?? [] {
            options.validStatusCodes.append(try item.int(in: 100...599))
        }
        for item in try map["valid_http_versions"]?.list() ?? [] {
            let version = try item.string()
            guard ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/2"].contains(version) else {
                throw item.error("must be HTTP/1.0, HTTP/1.1 or HTTP/2.0, got \(item.quotedValue)")
            }
            options.validHTTPVersions.append(version == "HTTP/2" ? "HTTP/2.0" : version)
        }
        if let method = map["method"] {
            let text = try method.nonEmptyString()
            guard text.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-") }) else {
                throw method.error("must be an HTTP method such as GET or POST, got \(method.quotedValue)")
            }
            options.method = text.uppercased()
        }
        for (key, value) in try map["headers"]?.anyMapping().entries ?? [] {
            guard isToken(key.string) else { throw key.node.error("invalid header name \"\(key.string)\"") }
            let text = try value.string()
            guard !text.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) else {
                throw value.error("header values may not contain line breaks")
            }
            options.headers.append((key.string, text))
        }
        if let any = map["accept_any_response"] { options.acceptAnyResponse = try any.bool() }
        if let body = map["body"] { options.body = try body.string() }
        if let file = map["body_file"] {
            if let body = map["body"] { throw body.error("set either body or body_file, not both") }
            let path = try context.readableFile(file)
            guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
                throw file.error("cannot read file \(file.quotedValue) (at most 1 MiB)")
            }
            options.body = String(decoding: data, as: UTF8.self)
        }
        if let compression = map["compression"] {
            let text = try compression.string().lowercased()
            guard ["", "gzip", "br", "deflate", "identity"].contains(text) else {
                throw compression.error("must be gzip, br, deflate or identity, got \(compression.quotedValue)")
            }
            options.compression = text.isEmpty ? nil : text
        }
        if let follow = map["follow_redirects"] { options.followRedirects = try follow.bool() }
        if let flag = map["fail_if_ssl"] { options.failIfSSL = try flag.bool() }
        if let flag = map["fail_if_not_ssl"] { options.failIfNotSSL = try flag.bool() }
        if let list = map["fail_if_body_matches_regexp"] { options.failIfBodyMatches = try list.regularExpressions() }
        if let list = map["fail_if_body_not_matches_regexp"] { options.failIfBodyNotMatches = try list.regularExpressions() }
        if let list = map["fail_if_header_matches"] { options.failIfHeaderMatches = try headerMatches(list) }
        if let list = map["fail_if_header_not_matches"] { options.failIfHeaderNotMatches = try headerMatches(list) }
        if let tls = map["tls_config"] { options.tlsConfig = try TLSClientConfig.parse(tls, context: context) }
        if let auth = map["basic_auth"] {
            let authMap = try auth.mapping(allowedKeys: ["username", "password", "password_file"])
            options.basicAuth = (try authMap.required("username").string(), try context.secret("password", in: authMap))
        }
        options.bearerToken = try context.secret("bearer_token", in: map)
        if options.basicAuth != nil, options.bearerToken != nil, let token = map["bearer_token"] ?? map["bearer_token_file"] {
            throw token.error("set either basic_auth or bearer_token, not both")
        }
        if let proxy = map["proxy_url"] {
            let text = try proxy.nonEmptyString()
            let scheme = text.splitOnce("://")?.before.lowercased()
            guard let scheme, ["http", "https", "socks5", "socks5h"].contains(scheme),
                  !text.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) else {
                throw proxy.error("must be a URL like http://proxy:3128, got \"\(HostPort.printable(redactingPassword(text)))\"")
            }
            options.proxyURL = text
        }
        if let skip = map["skip_resolve_phase_with_proxy"] { options.skipResolvePhaseWithProxy = try skip.bool() }
        if let http2 = map["enable_http2"] { options.enableHTTP2 = try http2.bool() }
        if let limit = map["body_size_limit"] { options.bodySizeLimit = try byteSize(limit) }
        return options
    }

    static func headerMatches(_ node: ConfigNode) throws(ConfigError) -> [HeaderMatch] {
        var rules: [HeaderMatch] = []
        for item in try node.list() {
            let map = try item.mapping(allowedKeys: ["header", "regexp", "allow_missing"])
            let header = try map.required("header")
            guard isToken(try header.nonEmptyString()) else { throw header.error("invalid header name \(header.quotedValue)") }
            rules.append(HeaderMatch(header: try header.string(), regexp: try map.required("regexp").regularExpression(),
                                     allowMissing: try map["allow_missing"]?.bool() ?? false))
        }
        return rules
    }

    /// Prometheus' `units.Base2Bytes`: `1024`, `512KB`, `10MB`, `1GB` (powers of 1024).
    static func byteSize(_ node: ConfigNode) throws(ConfigError) -> Int {
        let text = try node.string()
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20),
                                      ("GB", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value > 0, value <= Int(UInt32.max) { return value * factor }
        }
        if let value = Int(text), value > 0 { return value }
        throw node.error("must be a size like 1048576, 512KB or 10MB, got \(node.quotedValue)")
    }

    /// RFC 9110 token characters (header names).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    public func render() -> String {
        var out = ipProtocol.render()
        if acceptAnyResponse { out += "accept_any_response: true\n" }
        if !validStatusCodes.isEmpty { out += "valid_status_codes: [\(validStatusCodes.map(String.init).joined(separator: ", "))]\n" }
        if !validHTTPVersions.isEmpty { out += "valid_http_versions: [\(validHTTPVersions.map(ConfigRenderer.quote).joined(separator: ", "))]\n" }
        out += "method: \(method)\n"
        if !headers.isEmpty {
            out += "headers:\n"
            for header in headers {
                let value = Self.credentialHeaders.contains(header.name.lowercased()) ? ConfigRenderer.redacted : header.value
                out += "  \(header.name): \(ConfigRenderer.quote(value))\n"
            }
        }
        if let body { out += "body: \(ConfigRenderer.quote(body))\n" }
        if let compression { out += "compression: \(compression)\n" }
        out += "follow_redirects: \(followRedirects)\nfail_if_ssl: \(failIfSSL)\nfail_if_not_ssl: \(failIfNotSSL)\n"
        out += Self.renderPatterns("fail_if_body_matches_regexp", failIfBodyMatches)
        out += Self.renderPatterns("fail_if_body_not_matches_regexp", failIfBodyNotMatches)
        out += Self.renderHeaderRules("fail_if_header_matches", failIfHeaderMatches)
        out += Self.renderHeaderRules("fail_if_header_not_matches", failIfHeaderNotMatches)
        out += ConfigRenderer.section("tls_config", tlsConfig.render())
        if let basicAuth {
            out += "basic_auth:\n  username: \(ConfigRenderer.quote(basicAuth.username))\n"
            if basicAuth.password != nil { out += "  password: \(ConfigRenderer.redacted)\n" }
        }
        if bearerToken != nil { out += "bearer_token: \(ConfigRenderer.redacted)\n" }
        if let proxyURL {
            out += "proxy_url: \(ConfigRenderer.quote(Self.redactingPassword(proxyURL)))\n"
            out += "skip_resolve_phase_with_proxy: \(skipResolvePhaseWithProxy)\n"
        }
        out += "enable_http2: \(enableHTTP2)\nbody_size_limit: \(bodySizeLimit)\n"
        return out
    }

    /// Request headers whose values are credentials: rendered as `<secret>`.
    public static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token"]

    /// `scheme://user:password@host` with the password replaced by `<secret>` (as Prometheus'
    /// config printing does for proxy URLs).
    public static func redactingPassword(_ url: String) -> String {
        guard let (scheme, rest) = url.splitOnce("://") else { return url }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return "\(scheme)://\(userInfo[..<colon]):\(ConfigRenderer.redacted)\(rest[at...])"
    }

    static func renderPatterns(_ key: String, _ patterns: [RegularExpression]) -> String {
        patterns.isEmpty ? "" : "\(key): [\(patterns.map { ConfigRenderer.quote($0.pattern) }.joined(separator: ", "))]\n"
    }

    static func renderHeaderRules(_ key: String, _ rules: [HeaderMatch]) -> String {
        guard !rules.isEmpty else { return "" }
        var out = "\(key):\n"
        for rule in rules {
            out += "  - {header: \(ConfigRenderer.quote(rule.header)), regexp: \(ConfigRenderer.quote(rule.regexp.pattern)), allow_missing: \(rule.allowMissing)}\n"
        }
        return out
    }

    public static func == (lhs: HTTPOptions, rhs: HTTPOptions) -> Bool {
        // render() redacts credentials, so those are compared on their own.
        lhs.render() == rhs.render() && lhs.basicAuth?.password == rhs.basicAuth?.password && lhs.bearerToken == rhs.bearerToken
            && lhs.proxyURL == rhs.proxyURL && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}
