import VandineCore

extension AlertManagerLiteConfig {
    /// The configuration as YAML, every key written out (defaults included), secrets as
    /// `<secret>` — for `/config` and `check-config`.
    public func render() -> String {
        var datasourceText = "url: \(ConfigRenderer.quote(datasource.url))\n"
        if let auth = datasource.basicAuth {
            datasourceText += "basic_auth:\n  username: \(ConfigRenderer.quote(auth.username))\n  password: \(ConfigRenderer.redacted)\n"
        }
        if datasource.bearerToken != nil { datasourceText += "bearer_token: \(ConfigRenderer.redacted)\n" }
        if let tls = datasource.tlsConfig { datasourceText += ConfigRenderer.section("tls_config", tls.render()) }
        datasourceText += "timeout: \(datasource.timeout)\n"
        if !datasource.queryParameters.isEmpty {
            datasourceText += "query_params:\n"
            for key in datasource.queryParameters.keys.sorted() {
                datasourceText += "  \(ConfigRenderer.quote(key)): \(ConfigRenderer.quote(datasource.queryParameters[key]!))\n"
            }
        }
        datasourceText += "down_alert_after: \(datasource.downAlertAfter)\n"
        var out = ConfigRenderer.section("datasource", datasourceText)
        out += ruleFiles.isEmpty ? "rule_files: []\n" : "rule_files:\n" + ruleFiles.map { "  - \(ConfigRenderer.quote($0))\n" }.joined()
        out += "evaluation_interval: \(evaluationInterval)\n"
        if externalLabels.isEmpty {
            out += "external_labels: {}\n"
        } else {
            out += "external_labels:\n"
            for key in externalLabels.keys.sorted() { out += "  \(key): \(ConfigRenderer.quote(externalLabels[key]!))\n" }
        }
        if !externalURL.isEmpty { out += "external_url: \(ConfigRenderer.quote(externalURL))\n" }
        out += "storage:\n  path: \(ConfigRenderer.quote(storagePath))\n"
        return out
    }
}
