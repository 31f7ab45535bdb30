import FoundationEssentials
import VandineCore

extension AlertManagerLiteConfig {
    static let keys: Set<String> = ["datasource", "rule_files", "evaluation_interval", "external_labels", "external_url", "storage"]
    static let datasourceKeys: Set<String> = [
        "url", "basic_auth", "bearer_token", "bearer_token_file", "tls_config", "timeout", "query_params", "down_alert_after",
    ]

    /// The configuration used without `--config.file`: Prometheus on 127.0.0.1:9090 and the rule
    /// files shipped in `monitoring/prometheus/rules/` (relative to the working directory; none
    /// when absent).
    public static let embeddedDefault = """
        datasource:
          url: http://127.0.0.1:9090
        rule_files:
          - monitoring/prometheus/rules/*.yml
        """

    /// Reads and validates the file at `path`; relative `*_file` paths and `rule_files` patterns
    /// are resolved against its folder. Throws the first problem as a one-line `ConfigError`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> AlertManagerLiteConfig {
        let file = try ConfigFile.read(path: path)
        return try parse(yaml: file.text, file: file.name, baseDirectory: file.directory, environment: environment)
    }

    /// The embedded default, parsed (it cannot fail).
    public static func defaultConfig() -> AlertManagerLiteConfig {
        (try? parse(yaml: embeddedDefault, file: "<embedded default>", baseDirectory: "", environment: [:])) ?? AlertManagerLiteConfig()
    }

    /// Parses YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String, baseDirectory: String = "",
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> AlertManagerLiteConfig {
        let context = ModuleParseContext(environment: environment, baseDirectory: baseDirectory)
        let root = try ConfigNode.parse(yaml: yaml, file: file).mapping(allowedKeys: keys)
        var config = AlertManagerLiteConfig()
        config.baseDirectory = baseDirectory
        config.fileName = file
        if let datasource = root["datasource"] { config.datasource = try parseDatasource(datasource, context: context) }
        for item in try root["rule_files"]?.list() ?? [] {
            config.ruleFiles.append(try item.nonEmptyString())
        }
        if let interval = root["evaluation_interval"] { config.evaluationInterval = try positive(interval) }
        if let labels = root["external_labels"] {
            for (key, value) in try labels.anyMapping().entries {
                guard ConfigLoader.isValidLabelName(key.string), !key.string.hasPrefix("__") else {
                    throw key.node.error("invalid label name \(GoQuoting.quote(key.string)) (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)")
                }
                config.externalLabels[key.string] = try value.string()
            }
        }
        if let url = root["external_url"] {
            let text = try url.nonEmptyString()
            guard isHTTPURL(text) else { throw url.error("must be an http:// or https:// URL, got \(GoQuoting.quote(text))") }
            config.externalURL = text
        }
        if let storage = root["storage"] {
            let map = try storage.mapping(allowedKeys: ["path"])
            if let path = map["path"] { config.storagePath = try path.nonEmptyString() }
        }
        return config
    }

    static func parseDatasource(_ node: ConfigNode, context: ModuleParseContext) throws(ConfigError) -> DatasourceConfig {
        let map = try node.mapping(allowedKeys: datasourceKeys)
        var datasource = DatasourceConfig()
        if let url = map["url"] {
            var text = try url.nonEmptyString()
            guard isHTTPURL(text) else { throw url.error("must be an http:// or https:// URL, got \(GoQuoting.quote(text))") }
            while text.hasSuffix("/") { text.removeLast() }
            datasource.url = text
        }
        if let basicAuth = map["basic_auth"] {
            let auth = try basicAuth.mapping(allowedKeys: ["username", "password", "password_file"])
            let username = try auth.required("username").nonEmptyString()
            guard let password = try context.secret("password", in: auth) else {
                throw basicAuth.error("basic_auth needs password or password_file")
            }
            datasource.basicAuth = .init(username: username, password: password)
        }
        datasource.bearerToken = try context.secret("bearer_token", in: map)
        if datasource.basicAuth != nil, datasource.bearerToken != nil {
            throw (map["bearer_token"] ?? map["bearer_token_file"] ?? node).error("set either basic_auth or bearer_token, not both")
        }
        if let tls = map["tls_config"] { datasource.tlsConfig = try TLSClientConfig.parse(tls, context: context) }
        if let timeout = map["timeout"] { datasource.timeout = try positive(timeout) }
        if let parameters = map["query_params"] {
            for (key, value) in try parameters.anyMapping().entries {
                guard !key.string.isEmpty else { throw key.node.error("query parameter names must not be empty") }
                guard !["query", "time", "timeout"].contains(key.string) else {
                    throw key.node.error("query parameter \(GoQuoting.quote(key.string)) is set by alertmanager-lite itself")
                }
                datasource.queryParameters[key.string] = try value.string()
            }
        }
        if let after = map["down_alert_after"] {
            let duration = try after.duration()
            datasource.downAlertAfter = duration
        }
        return datasource
    }

    static func positive(_ node: ConfigNode) throws(ConfigError) -> PrometheusDuration {
        let duration = try node.duration()
        guard duration.milliseconds > 0 else { throw node.error("must be greater than 0, got \(try node.string())") }
        return duration
    }

    static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            return !rest.isEmpty && !rest.hasPrefix("/") && !text.contains(where: { $0.isWhitespace })
        }
        return false
    }

    /// Expands `rule_files` and loads every file (the daemon's start and reload). Throws the first
    /// problem; a pattern matching nothing is not one.
    public func loadRules() throws(ConfigError) -> LoadedRules {
        let files = try RuleFileLoader.expand(patterns: ruleFiles, baseDirectory: baseDirectory, configFile: fileName)
        return try RuleFileLoader.load(files: files)
    }
}
