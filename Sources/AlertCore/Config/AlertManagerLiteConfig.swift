import VandineCore

/// `alertmanager-lite.yml`: where to query, which rule files, how often, and where state lives.
/// Defaults: `evaluation_interval` 1m (Prometheus's global default), query `timeout` 30s,
/// `down_alert_after` 2m, `storage.path` `data/alertmanager-lite.db`. Parsed by
/// ``parse(yaml:file:baseDirectory:environment:)``, rendered (secrets redacted) by ``render()``.
public struct AlertManagerLiteConfig: Sendable, Equatable {
    public var datasource = DatasourceConfig()
    /// `rule_files:` glob patterns as written.
    public var ruleFiles: [String] = []
    /// `evaluation_interval:` for groups without their own `interval`.
    public var evaluationInterval = PrometheusDuration.seconds(60)
    /// `external_labels:` — `$externalLabels` in templates.
    public var externalLabels: [String: String] = [:]
    /// `external_url:` — `$externalURL` in templates.
    public var externalURL = ""
    /// `storage.path:` — the SQLite state file (relative paths against the working directory).
    public var storagePath = AlertManagerLiteConfig.defaultStoragePath
    /// Folder that relative `rule_files` patterns are resolved against ("" = working directory).
    public var baseDirectory = ""
    /// The config file's name as errors show it (`<embedded default>` for the built-in one).
    public var fileName = ""

    public static let defaultStoragePath = "data/alertmanager-lite.db"

    public init() {}
}

/// The `datasource:` section: a Prometheus-compatible query API (Prometheus, Thanos, Mimir,
/// VictoriaMetrics) and how to reach it (Prometheus's `http_config` names).
public struct DatasourceConfig: Sendable, Equatable {
    /// Base URL; `/api/v1/query` is appended.
    public var url = "http://127.0.0.1:9090"
    public var basicAuth: BasicAuth? = nil
    public var bearerToken: Secret? = nil
    public var tlsConfig: TLSClientConfig? = nil
    /// `timeout:` for one query.
    public var timeout = PrometheusDuration.seconds(30)
    /// `query_params:` added to every query (e.g. VictoriaMetrics' `nocache=1`).
    public var queryParameters: [String: String] = [:]
    /// `down_alert_after:` — how long queries must fail before `AlertmanagerLiteDatasourceDown` fires.
    public var downAlertAfter = PrometheusDuration.seconds(120)

    public init() {}

    /// `basic_auth:` — `username` and `password` or `password_file`.
    public struct BasicAuth: Sendable, Equatable {
        public var username: String
        public var password: Secret

        public init(username: String, password: Secret) {
            self.username = username
            self.password = password
        }
    }
}
