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

    /// Where the state lives when neither `--storage.path` nor the config's `storage.path` says.
    static let defaultStoragePath = "data/alertmanager-lite.db"

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
            help: "SQLite state file; overrides the config's storage.path (default \(ServeCommand.defaultStoragePath)).")
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

        // ── Wiring point (issue 9, connected by the lead at merge) ──────────────────────────────
        // Load AlertManagerLiteConfig from `configFile` (embedded default without it); take
        // `storage.path` from it unless `--storage.path` is given; build the RuleManager with
        // `store.load()` as its restored state, its per-round change callback calling
        // `store.commit(_:)` (log and go on when it throws), `evaluations.recordRuleEvaluation`
        // once per rule per round, and `store.removeRules(notIn:)` after each (re)load; pass it
        // as `rules`, its Service in `ruleServices`, and its reload as `reload`. Until then the
        // daemon serves zero rule groups.
        let path = storagePath ?? Self.defaultStoragePath
        let store = openStore(path: path, logger: logger)
        let evaluations = RuleEvaluationMetrics()
        let rules: any RuleStatusProvider = NoRuleGroups()
        let ruleServices: [any Service] = []
        let reload: @Sendable () -> Result<Void, any Error> = { .success(()) }
        // ─────────────────────────────────────────────────────────────────────────────────────────

        let pushed = PushedAlerts(store: store, logger: logger)
        let state = AlertManagerLiteState(rules: rules, store: store, pushed: pushed, evaluations: evaluations,
                                          configSource: configFile ?? "embedded default", logger: logger, reload: reload)
        let address = ListenAddress(listenAddress)!
        let app = try buildApplication(state: state, webConfig: webConfig, listen: address)
        logger.info("starting alertmanager-lite", metadata: [
            "version": "\(BuildInfo.version)", "address": "\(listenAddress)", "storage": "\(path)",
            "sqlite": "\(SQLiteDatabase.libraryVersion)", "tls": "\(webConfig.tls != nil)",
            "basic_auth": "\(!webConfig.basicAuthUsers.isEmpty)",
        ])
        var groupConfiguration = ServiceGroupConfiguration(
            // Array order is start order: the rule manager first, the HTTP server after it (so it
            // stops first), SIGHUP last.
            services: ruleServices.map { .init(service: $0) }
                + [.init(service: app), .init(service: SignalReloadService { state.reload() })],
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

/// The rule status until the rule manager is wired in: no groups.
private struct NoRuleGroups: RuleStatusProvider {
    func groupStatuses() async -> [GroupStatus] { [] }
}
