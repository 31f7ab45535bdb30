import FoundationEssentials

/// The `--web.config.file` settings, in Prometheus exporter-toolkit's format:
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt          # relative paths: against this file's folder
///   key_file: server.key
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: clients.pem
///   min_version: TLS12
/// http_server_config:
///   http2: false                    # HTTP/1.1 only: `http2: true` is refused
///   headers:
///     X-Frame-Options: deny
/// basic_auth_users:
///   prometheus: $2y$10$…            # bcrypt hash, e.g. from `htpasswd -nBC 10 prometheus`
/// ```
///
/// An empty file means plain HTTP without authentication. Keys that exporter-toolkit knows but this
/// exporter does not implement (cipher_suites, max_version, …) are refused rather than ignored, so a
/// setting never silently has no effect.
public struct WebConfig: Sendable, Equatable {
    /// HTTPS settings; nil serves plain HTTP.
    public var tls: TLSServerSettings?
    /// `http_server_config`.
    public var http: HTTPServerSettings
    /// User name → bcrypt hash. Empty means no authentication. The hashes are never printed: see
    /// `description`.
    public var basicAuthUsers: [String: String]

    public init(tls: TLSServerSettings? = nil, http: HTTPServerSettings = HTTPServerSettings(),
                basicAuthUsers: [String: String] = [:]) {
        self.tls = tls
        self.http = http
        self.basicAuthUsers = basicAuthUsers
    }

    /// `tls_server_config`. Paths are resolved (absolute, or relative to the working directory when
    /// the web config itself was given by a relative path) and were readable at load time.
    public struct TLSServerSettings: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
        /// CA bundle that client certificates are verified against.
        public var clientCAFile: String?
        public var clientAuthType: ClientAuthType
        /// Lowest accepted TLS version; nil leaves the server's default (exporter-toolkit uses TLS12).
        public var minVersion: TLSProtocolVersion?

        public init(certFile: String, keyFile: String, clientCAFile: String? = nil,
                    clientAuthType: ClientAuthType = .noClientCert, minVersion: TLSProtocolVersion? = nil) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.clientCAFile = clientCAFile
            self.clientAuthType = clientAuthType
            self.minVersion = minVersion
        }
    }

    /// `client_auth_type`, spelled as in exporter-toolkit (and Go's `crypto/tls`).
    public enum ClientAuthType: String, Sendable, Equatable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// True when a presented client certificate is checked against `client_ca_file`.
        public var verifiesClientCertificate: Bool {
            self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert
        }

        /// True when a connection without a client certificate is refused.
        public var requiresClientCertificate: Bool {
            self == .requireAnyClientCert || self == .requireAndVerifyClientCert
        }
    }

    /// `http_server_config`.
    public struct HTTPServerSettings: Sendable, Equatable {
        /// Extra response headers, validated like exporter-toolkit (only the security headers in
        /// `WebConfig.allowedHeaders`; no control characters), for the server to add to every response.
        public var headers: [String: String]

        public init(headers: [String: String] = [:]) {
            self.headers = headers
        }
    }

    /// The response headers `http_server_config.headers` may set, with their allowed values when the
    /// header is an enumeration (exporter-toolkit's list; case-sensitive as there).
    public static let allowedHeaders: [String: [String]] = [
        "Content-Security-Policy": [],
        "Strict-Transport-Security": [],
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": [],
    ]

    // MARK: - Loading

    /// Loads the file at `path`; relative paths inside are resolved against its folder.
    public static func load(path: String) throws(ConfigError) -> WebConfig {
        let file = try ConfigFile.read(path: path)
        return try parse(yaml: file.text, file: file.name, baseDirectory: file.directory)
    }

    /// Parses YAML text; `file` is the name used in error messages and `baseDirectory` the folder that
    /// relative `*_file` paths are resolved against (empty: the working directory).
    public static func parse(yaml: String, file: String, baseDirectory: String = "") throws(ConfigError) -> WebConfig {
        let root = try ConfigNode.parse(yaml: yaml, file: file)
            .mapping(allowedKeys: ["tls_server_config", "http_server_config", "basic_auth_users"])
        // Only `resolve` is used: the web config has no secrets or ${VAR} references of its own.
        let paths = SecretReader(environment: [:], baseDirectory: baseDirectory)
        var config = WebConfig()
        if let tls = root["tls_server_config"] { config.tls = try tlsSettings(from: tls, paths: paths) }
        if let http = root["http_server_config"] { config.http = try httpSettings(from: http) }
        if let users = root["basic_auth_users"] {
            for (key, value) in try users.anyMapping().entries {
                guard !key.string.isEmpty else { throw key.node.error("user name must not be empty") }
                guard !key.string.contains(":") else {
                    // Basic auth sends `user:password`; a user name with ':' could never log in.
                    throw key.node.error("user name must not contain ':'")
                }
                config.basicAuthUsers[key.string] = try bcryptHash(value)
            }
        }
        return config
    }

    static func tlsSettings(from node: ConfigNode, paths: SecretReader) throws(ConfigError) -> TLSServerSettings {
        let map = try node.mapping(allowedKeys: ["cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"])
        var tls = TLSServerSettings(certFile: try readableFile(map.required("cert_file"), paths: paths),
                                    keyFile: try readableFile(map.required("key_file"), paths: paths))
        let authNode = map["client_auth_type"]
        if let authNode {
            let name = try authNode.string()
            if let type = ClientAuthType(rawValue: name) {
                tls.clientAuthType = type
            } else if name == "RequireClientCert" {
                tls.clientAuthType = .requireAnyClientCert  // exporter-toolkit's older spelling
            } else {
                let known = ClientAuthType.allCases.map(\.rawValue).joined(separator: ", ")
                throw authNode.error("must be one of \(known), got \(authNode.quotedValue)")
            }
        }
        if let caNode = map["client_ca_file"] {
            tls.clientCAFile = try readableFile(caNode, paths: paths)
            if tls.clientAuthType == .noClientCert {
                // Same rule as exporter-toolkit: a CA without a policy that asks for client
                // certificates looks like mutual TLS but lets everyone in.
                throw caNode.error("client_ca_file needs client_auth_type VerifyClientCertIfGiven or RequireAndVerifyClientCert (NoClientCert never asks for a client certificate)")
            }
        }
        if let authNode, tls.clientAuthType.verifiesClientCertificate, tls.clientCAFile == nil {
            throw authNode.error("client_auth_type \(tls.clientAuthType.rawValue) needs client_ca_file")
        }
        if let versionNode = map["min_version"] {
            guard let version = TLSProtocolVersion(rawValue: try versionNode.string()) else {
                let known = TLSProtocolVersion.allCases.map(\.rawValue).joined(separator: ", ")
                throw versionNode.error("must be one of \(known), got \(versionNode.quotedValue)")
            }
            tls.minVersion = version
        }
        return tls
    }

    /// A path that names a readable regular file (not a directory), resolved against the config's folder.
    static func readableFile(_ node: ConfigNode, paths: SecretReader) throws(ConfigError) -> String {
        let path = paths.resolve(try node.nonEmptyString())
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw node.error("cannot read file \(path)")
        }
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        guard type != .typeDirectory else { throw node.error("cannot read file \(path): it is a directory") }
        return path
    }

    static func httpSettings(from node: ConfigNode) throws(ConfigError) -> HTTPServerSettings {
        let map = try node.mapping(allowedKeys: ["http2", "headers"])
        var http = HTTPServerSettings()
        // exporter-toolkit serves HTTP/2 over TLS by default; this server speaks HTTP/1.1 only, so
        // `http2: true` would be a setting with no effect: refuse it rather than ignore it.
        if let http2 = map["http2"], try http2.bool() {
            throw http2.error("HTTP/2 is not supported (this server speaks HTTP/1.1); set http2: false or remove the key")
        }
        if let headers = map["headers"] {
            for (key, value) in try headers.anyMapping().entries {
                guard let allowedValues = allowedHeaders[key.string] else {
                    let known = allowedHeaders.keys.sorted().joined(separator: ", ")
                    throw key.node.error("HTTP header \"\(key.string)\" can not be configured (allowed headers: \(known))")
                }
                let text = try value.string()
                guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw value.error("must not contain line breaks or control characters")
                }
                guard allowedValues.isEmpty || allowedValues.contains(text) else {
                    throw value.error("must be one of \(allowedValues.joined(separator: ", ")), got \(value.quotedValue)")
                }
                http.headers[key.string] = text
            }
        }
        return http
    }

    /// The hash under `basic_auth_users.<user>`. Error messages give the length only, never the value.
    static func bcryptHash(_ node: ConfigNode) throws(ConfigError) -> String {
        let hash = try node.string()
        guard let cost = bcryptCost(hash) else {
            throw node.error("must be a bcrypt hash ($2y$…), got a value of \(hash.count) characters")
        }
        guard (4...31).contains(cost) else {
            throw node.error("must be a bcrypt hash with cost 04-31, got cost \(cost < 10 ? "0" : "")\(cost)")
        }
        return hash
    }

    /// The cost of a well-formed bcrypt hash (`$2a$`, `$2b$` or `$2y$`, two-digit cost, `$`, 53
    /// characters of bcrypt's base64 alphabet: 60 in all), or nil when `hash` does not have that shape.
    /// The cost range is not checked here.
    static func bcryptCost(_ hash: String) -> Int? {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              ConfigLoader.isDigit(bytes[4]), ConfigLoader.isDigit(bytes[5]),
              bytes[7...].allSatisfy({ isBcryptBase64($0) })
        else { return nil }
        return Int(bytes[4] - 0x30) * 10 + Int(bytes[5] - 0x30)
    }

    static func isBcryptBase64(_ byte: UInt8) -> Bool {
        ConfigLoader.isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
            || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}

extension WebConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Shows user names but never their hashes, so a config dump or log line cannot leak them.
    public var description: String {
        var parts: [String] = []
        if let tls {
            var text = "tls(cert_file: \(tls.certFile), key_file: \(tls.keyFile), client_auth_type: \(tls.clientAuthType.rawValue)"
            if let ca = tls.clientCAFile { text += ", client_ca_file: \(ca)" }
            if let min = tls.minVersion { text += ", min_version: \(min.rawValue)" }
            parts.append(text + ")")
        } else {
            parts.append("tls: none")
        }
        if !http.headers.isEmpty { parts.append("headers: \(http.headers.keys.sorted().joined(separator: ", "))") }
        let users = basicAuthUsers.keys.sorted().map { "\($0): <secret>" }
        parts.append("basic_auth_users: [\(users.joined(separator: ", "))]")
        return "WebConfig(" + parts.joined(separator: "; ") + ")"
    }

    public var debugDescription: String { description }
}
