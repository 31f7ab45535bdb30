import CurlClient
import VandineCore

extension PrometheusDatasource {
    /// The datasource a config's `datasource:` section describes: its URL, basic auth or bearer
    /// token, TLS settings, query `timeout` and `query_params` (sorted by name, so every query's
    /// form is the same).
    public init(config: DatasourceConfig, engine: CurlEngine = .shared) {
        let tls = config.tlsConfig ?? TLSClientConfig()
        self.init(options: Options(
            url: config.url,
            basicAuth: config.basicAuth.map { ($0.username, $0.password) },
            bearerToken: config.bearerToken,
            tls: TLSOptions(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, serverName: tls.serverName,
                            insecureSkipVerify: tls.insecureSkipVerify, minVersion: tls.minVersion.map(Self.version),
                            maxVersion: tls.maxVersion.map(Self.version)),
            queryTimeout: config.timeout.seconds,
            extraQueryParameters: config.queryParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        ), engine: engine)
    }

    /// curl's name for a config's TLS version.
    private static func version(_ version: TLSProtocolVersion) -> TLSVersion {
        switch version {
        case .tls10: .tls1_0
        case .tls11: .tls1_1
        case .tls12: .tls1_2
        case .tls13: .tls1_3
        }
    }
}

extension RuleManagerOptions {
    /// The rule manager's settings from a config: `evaluation_interval`, `external_labels`,
    /// `external_url`, `datasource.down_alert_after` and the datasource URL (for the meta-alert's
    /// annotation; the URL carries no credentials — they are separate keys).
    public init(config: AlertManagerLiteConfig) {
        self.init(evaluationInterval: config.evaluationInterval.seconds, externalLabels: config.externalLabels,
                  externalURL: config.externalURL, datasourceDownAlertAfter: config.datasource.downAlertAfter.seconds,
                  datasourceURL: config.datasource.url)
    }
}
