import Foundation
import Testing
import VandineCore
@testable import AlertCore

/// `alertmanager-lite.yml`: every key, defaults, exact one-line errors for `invalid-*.yml`, and
/// secrets that never reach a render or an error.
@Suite struct AlertManagerLiteConfigTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/config").path
    static let secrets = ["inline-pa55word", "file-token-s3cr3t", "token-pa55word"]

    static func load(_ name: String) throws(ConfigError) -> AlertManagerLiteConfig {
        try AlertManagerLiteConfig.load(path: directory + "/" + name, environment: [:])
    }

    @Test func fullConfigLoadsEveryKey() throws {
        let config = try Self.load("valid-full.yml")
        #expect(config.datasource.url == "https://prometheus.lan:9090")
        #expect(config.datasource.basicAuth == .init(username: "alerts", password: Secret("inline-pa55word")))
        #expect(config.datasource.bearerToken == nil)
        #expect(config.datasource.tlsConfig?.caFile == Self.directory + "/token.txt")
        #expect(config.datasource.timeout == .seconds(10))
        #expect(config.datasource.queryParameters == ["nocache": "1"])
        #expect(config.datasource.downAlertAfter == .seconds(180))
        #expect(config.ruleFiles == ["rules/*.yml", "missing/*.yml"])
        #expect(config.evaluationInterval == .seconds(15))
        #expect(config.externalLabels == ["cluster": "home"])
        #expect(config.externalURL == "http://alerts.lan:10111")
        #expect(config.storagePath == "/var/lib/alertmanager-lite/state.db")
        #expect(config.baseDirectory == Self.directory)
    }

    @Test func defaults() throws {
        let config = try Self.load("valid-minimal.yml")
        #expect(config.datasource == DatasourceConfig())
        #expect(config.datasource.url == "http://127.0.0.1:9090" && config.datasource.timeout == .seconds(30) && config.datasource.downAlertAfter == .seconds(120))
        #expect(config.evaluationInterval == .seconds(60) && config.storagePath == "data/alertmanager-lite.db" && config.externalLabels.isEmpty)
    }

    @Test func embeddedDefaultPointsAtLocalPrometheusAndShippedRules() {
        let config = AlertManagerLiteConfig.defaultConfig()
        #expect(config.datasource.url == "http://127.0.0.1:9090")
        #expect(config.ruleFiles == ["monitoring/prometheus/rules/*.yml"])
        #expect(config.baseDirectory == "")
    }

    /// rule_files resolve against the config's folder; a pattern matching nothing adds nothing.
    @Test func loadRulesFromTheConfigFolder() throws {
        let rules = try Self.load("valid-full.yml").loadRules()
        #expect(rules.files == [Self.directory + "/rules/node.yml", Self.directory + "/rules/recorded.yml"])
        #expect(rules.groups.map(\.name) == ["node", "disks", "recorded"] && rules.warnings.count == 1)
        // The embedded default names monitoring/prometheus/rules/*.yml in the working directory.
        #expect(AlertManagerLiteConfig.defaultConfig().fileName == "<embedded default>")
    }

    @Test func bearerTokenFromFileWithoutTrailingNewline() throws {
        #expect(try Self.load("valid-bearer-file.yml").datasource.bearerToken == Secret("file-token-s3cr3t"))
    }

    static let expectedErrors: [String: String] = [
        "invalid-unknown-key.yml": "invalid-unknown-key.yml:3:3: datasource.query_timeout: unknown key \"query_timeout\" (known keys: basic_auth, bearer_token, bearer_token_file, down_alert_after, query_params, timeout, tls_config, url)",
        "invalid-url.yml": "invalid-url.yml:2:8: datasource.url: must be an http:// or https:// URL, got \"127.0.0.1:9090\"",
        "invalid-timeout.yml": "invalid-timeout.yml:2:12: datasource.timeout: must be greater than 0, got 0s",
        "invalid-evaluation-interval.yml": "invalid-evaluation-interval.yml:1:22: evaluation_interval: must be a duration like 500ms, 10s or 1m30s, got \"1 minute\"",
        "invalid-both-auth.yml": "invalid-both-auth.yml:5:17: datasource.bearer_token: set either basic_auth or bearer_token, not both",
        "invalid-password-and-file.yml": "invalid-password-and-file.yml:4:15: datasource.basic_auth.password: set either password or password_file, not both",
        "invalid-no-password.yml": "invalid-no-password.yml:3:5: datasource.basic_auth: basic_auth needs password or password_file",
        "invalid-token-file.yml": "invalid-token-file.yml:2:22: datasource.bearer_token_file: cannot read file does-not-exist.txt",
        "invalid-external-label.yml": "invalid-external-label.yml:2:3: external_labels.__cluster: invalid label name \"__cluster\" (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)",
        "invalid-storage-key.yml": "invalid-storage-key.yml:2:3: storage.file: unknown key \"file\" (known keys: path)",
        "invalid-rule-files.yml": "invalid-rule-files.yml:1:13: rule_files: must be a list, got rules/*.yml",
        "invalid-query-param.yml": "invalid-query-param.yml:3:5: datasource.query_params.time: query parameter \"time\" is set by alertmanager-lite itself",
    ]

    @Test(arguments: expectedErrors.keys.sorted())
    func invalidConfigIsRejectedWithItsMessage(_ name: String) {
        do {
            _ = try Self.load(name)
            Issue.record("\(name) loaded")
        } catch {
            #expect(error.description == Self.expectedErrors[name])
            for secret in Self.secrets { #expect(!error.description.contains(secret)) }
        }
    }

    /// Debug output (`print(config)`, `dump`, string interpolation) shows `<secret>`, not the value.
    @Test func debugOutputHidesSecrets() throws {
        for name in ["valid-full.yml", "valid-bearer-file.yml"] {
            let config = try Self.load(name)
            var dumped = ""
            dump(config, to: &dumped)
            for text in [String(describing: config), String(reflecting: config), "\(config.datasource)"] {
                for secret in Self.secrets { #expect(!text.contains(secret), "\(name): \(text)") }
                #expect(text.contains("<secret>"))
            }
            for secret in Self.secrets { #expect(!dumped.contains(secret)) }
        }
    }

    @Test func renderShowsEveryKeyButNoSecret() throws {
        let rendered = try Self.load("valid-full.yml").render()
        for secret in Self.secrets { #expect(!rendered.contains(secret)) }
        #expect(rendered == """
            datasource:
              url: "https://prometheus.lan:9090"
              basic_auth:
                username: "alerts"
                password: <secret>
              tls_config:
                ca_file: "\(Self.directory)/token.txt"
                insecure_skip_verify: false
              timeout: 10s
              query_params:
                "nocache": "1"
              down_alert_after: 3m
            rule_files:
              - "rules/*.yml"
              - "missing/*.yml"
            evaluation_interval: 15s
            external_labels:
              cluster: "home"
            external_url: "http://alerts.lan:10111"
            storage:
              path: "/var/lib/alertmanager-lite/state.db"

            """)
        let bearer = try Self.load("valid-bearer-file.yml").render()
        #expect(bearer.contains("bearer_token: <secret>") && !bearer.contains("file-token-s3cr3t"))
        // The render is itself a valid config (secrets aside) that loads to the same settings.
        let reloaded = try AlertManagerLiteConfig.parse(yaml: bearer.replacingOccurrences(of: "  bearer_token: <secret>\n", with: ""), file: "r.yml", environment: [:])
        #expect(reloaded.datasource.url == "http://127.0.0.1:9090" && reloaded.evaluationInterval == .seconds(60))
    }
}
