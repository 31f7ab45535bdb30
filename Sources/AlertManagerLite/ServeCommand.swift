import AlertCore
import ArgumentParser
import FoundationEssentials
import Hummingbird
import Logging
import ServiceLifecycle
import VandineCore
import WebServer

/// `alertmanager-lite [serve]`: the daemon, flags named as Prometheus names them; wiring only.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon (the default): evaluates the rules, serves the APIs, /metrics and the status page."
    )

    @Option(name: .customLong("config.file"), help: "Configuration file. Without it an embedded default is used.")
    var configFile: String?

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on, host:port (host may be empty).")
    var listenAddress = ":10111"

    @Option(name: .customLong("web.config.file"), help: "exporter-toolkit web config (TLS, basic auth).")
    var webConfigFile: String?

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "logfmt or json.")
    var logFormat = "logfmt"

    @Option(name: .customLong("storage.path"),
            help: "SQLite state file; overrides the config's storage.path (default \(AlertManagerLiteConfig.defaultStoragePath)).")
    var storagePath: String?

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log.format must be logfmt or json, got \(logFormat)")
        }
        guard LogLevelName.parse(logLevel) != nil else {
            throw ValidationError("--log.level must be debug, info, warn or error, got \(logLevel)")
        }
        guard ListenAddress(listenAddress) != nil else {
            throw ValidationError("--web.listen-address must be host:port, got \(listenAddress)")
        }
        if storagePath?.isEmpty == true { throw ValidationError("--storage.path must not be empty") }
    }

    func run() async throws {
        let level = LogLevelName.parse(logLevel)!
        let format = LogFormat(rawValue: logFormat)!
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "alertmanager-lite")
        guard let webConfig = loadWebConfig(logger: logger) else { throw ExitCode(1) }

        guard let config = loadConfig(logger: logger), let rules = loadRules(config, logger: logger) else { throw ExitCode(1) }
        let path = storagePath ?? config.storagePath
        let store = openStore(path: path, logger: logger)
        let restored: [RuleStateKey: [AlertInstance]]
        do {
            restored = try store.load()
        } catch {
            logger.error("cannot read the stored alert state; starting empty", metadata: ["path": "\(path)", "err": "\(error)"])
            restored = [:]
        }
        let evaluations = RuleEvaluationMetrics()
        let manager = RuleManager(
            groups: rules.groups, datasource: PrometheusDatasource(config: config.datasource),
            options: RuleManagerOptions(config: config), restoredState: restored,
            sink: StoreSink(store: store, logger: logger), logger: logger,
            ruleEvaluated: { group, seconds, failed in evaluations.recordRuleEvaluation(group: group, seconds: seconds, failed: failed) })
        let reload: @Sendable () -> Result<Void, any Error> = { [configFile] in
            Self.reload(configFile: configFile, running: config, manager: manager, logger: logger)
        }

        let pushed = PushedAlerts(store: store, logger: logger)
        let state = AlertManagerLiteState(rules: manager, store: store, pushed: pushed, evaluations: evaluations,
                                          configSource: configFile ?? "embedded default", logger: logger, reload: reload)
        let address = ListenAddress(listenAddress)!
        let app = try buildApplication(state: state, webConfig: webConfig, listen: address)
        logger.info("starting alertmanager-lite", metadata: [
            "version": "\(BuildInfo.version)", "address": "\(listenAddress)", "storage": "\(path)",
            "config": "\(configFile ?? "embedded default")", "datasource": "\(DatasourceDownAlert.withoutCredentials(config.datasource.url))",
            "rule_groups": "\(rules.groups.count)", "restored_rules": "\(restored.count)",
            "sqlite": "\(SQLiteDatabase.libraryVersion)", "tls": "\(webConfig.tls != nil)",
            "basic_auth": "\(!webConfig.basicAuthUsers.isEmpty)",
        ])
        var groupConfiguration = ServiceGroupConfiguration(
            // Array order is start order: the rule manager first, the HTTP server after it (so it
            // stops first), SIGHUP last.
            services: [.init(service: manager), .init(service: app), .init(service: SignalReloadService { state.reload() })],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(500)
        groupConfiguration.maximumCancellationDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            logger.critical("alertmanager-lite stopped", metadata: ["err": "\(ServerError.reason(error))"])
            throw ExitCode(1)
        }
        logger.info("alertmanager-lite stopped")
    }

    /// The config (`--config.file`, else the embedded default); nil after logging why.
    private func loadConfig(logger: Logger) -> AlertManagerLiteConfig? {
        guard let configFile else { return AlertManagerLiteConfig.defaultConfig() }
        do {
            return try AlertManagerLiteConfig.load(path: configFile)
        } catch {
            logger.critical("cannot load the configuration", metadata: ["err": "\(error)"])
            return nil
        }
    }

    /// The config's rule files; nil after logging why. Recording rules are logged once each.
    private func loadRules(_ config: AlertManagerLiteConfig, logger: Logger) -> LoadedRules? {
        do {
            let rules = try config.loadRules()
            for warning in rules.warnings { logger.warning("\(warning)") }
            return rules
        } catch {
            logger.critical("cannot load the rule files", metadata: ["err": "\(error)"])
            return nil
        }
    }

    /// `/-/reload` and SIGHUP: re-reads the config and its rule files and hands the groups to the
    /// rule manager, which keeps the state of every rule that did not change. On any error the
    /// running rules stay as they are. The datasource, `evaluation_interval`, external labels and
    /// `storage.path` are read at start only: a change to them is logged as needing a restart.
    static func reload(configFile: String?, running: AlertManagerLiteConfig, manager: RuleManager,
                       logger: Logger) -> Result<Void, any Error> {
        let config: AlertManagerLiteConfig
        let rules: LoadedRules
        do {
            config = try configFile.map { path throws(ConfigError) in try AlertManagerLiteConfig.load(path: path) }
                ?? AlertManagerLiteConfig.defaultConfig()
            rules = try config.loadRules()
        } catch {
            return .failure(error)
        }
        for warning in rules.warnings { logger.warning("\(warning)") }
        var startOnly: [String] = []
        if config.datasource != running.datasource { startOnly.append("datasource") }
        if config.evaluationInterval != running.evaluationInterval { startOnly.append("evaluation_interval") }
        if config.externalLabels != running.externalLabels || config.externalURL != running.externalURL {
            startOnly.append("external_labels/external_url")
        }
        if config.storagePath != running.storagePath { startOnly.append("storage.path") }
        if !startOnly.isEmpty {
            logger.warning("changed settings take effect at the next restart", metadata: ["settings": "\(startOnly.joined(separator: ", "))"])
        }
        Task { await manager.reload(rules.groups) }
        return .success(())
    }

    /// Opens the state file, creating its directory first; the store itself never fails (a bad
    /// file is moved aside, an impossible path falls back to memory, both logged).
    private func openStore(path: String, logger: Logger) -> AlertStateStore {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                logger.error("cannot create the state directory", metadata: ["path": "\(directory)", "err": "\(error)"])
            }
        }
        return AlertStateStore.open(path: path, logger: logger)
    }

    /// The web config; nil (after logging why) when it cannot be loaded. Kept out of the async
    /// `run()`: Swift 6.3's optimizer crashes on typed throws inside that coroutine.
    private func loadWebConfig(logger: Logger) -> WebConfig? {
        guard let webConfigFile else { return WebConfig() }
        do {
            return try WebServerTLS.load(path: webConfigFile)
        } catch {
            logger.critical("cannot load web configuration", metadata: ["err": "\(error)"])
            return nil
        }
    }
}

/// Commits each evaluation round's changes to the state store in one transaction; a failed
/// commit is logged and evaluation goes on (the next change to those rules writes them again).
private struct StoreSink: AlertStateSink {
    let store: AlertStateStore
    let logger: Logger

    func commit(changes: [RuleStateKey: [AlertInstance]]) async {
        do {
            try store.commit(changes)
        } catch {
            logger.error("cannot store alert state", metadata: ["rules": "\(changes.count)", "err": "\(error)"])
        }
    }
}
