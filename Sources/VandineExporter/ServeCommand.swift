import ArgumentParser
import FoundationEssentials
import Hummingbird
import Logging
import Probes
import ServiceLifecycle
import VandineCore
import WebServer

/// `vandine-exporter [serve]`: the exporter daemon, flags named as Prometheus names them; wiring
/// only.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the exporter (the default): probes devices on /probe, serves its own metrics on /metrics."
    )

    @Option(name: .customLong("config.file"), help: "Configuration file. Without it an embedded default monitors this machine.")
    var configFile: String?

    @Flag(name: .customLong("config.check"), help: "Validate the configuration, print 'config OK' or the error, and exit.")
    var configCheck = false

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on, host:port (host may be empty).")
    var listenAddress = ":10110"

    @Option(name: .customLong("web.config.file"), help: "exporter-toolkit web config (TLS, basic auth).")
    var webConfigFile: String?

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "logfmt or json.")
    var logFormat = "logfmt"

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
    }

    func run() async throws {
        let level = LogLevelName.parse(logLevel)!
        let format = LogFormat(rawValue: logFormat)!
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "vandine-exporter")

        let loader = ExporterState.loader(configFile: configFile, exporterPort: ListenAddress(listenAddress)!.port)
        if configCheck {
            guard checkConfigs(loader: loader) else { throw ExitCode(1) }
            return
        }

        guard let (config, webConfig) = loadConfigs(loader: loader, logger: logger) else { throw ExitCode(1) }
        let source = configFile ?? DefaultConfig.fileName
        // Long-lived prober state, built here and run as Services: the curl engine (one thread, one
        // multi handle) that the http prober shares, the ICMP engine (a socket per family) and the
        // SSH session pool (a thread per device session).
        let icmp = ICMPEngine(privilege: { config.current.icmp.privileged })
        let wiring = ProberWiring.standard(icmp: icmp)
        let handler = ProbeHandler(probers: wiring.registry, logger: logger)
        // Continuous mode (the `smokeping:` section) pings through the same ICMP engine.
        let smokeping = SmokepingService(config: config, engine: icmp, logger: logger)
        let state = ExporterState(config: config, configSource: source, handler: handler, logger: logger,
                                  smokeping: smokeping, ssh: wiring.ssh)
        // The LAN discovery sweep runs on the wiring's ICMP engine, after the prober services.
        let proberServices = wiring.services + [wiring.discoveryService(config: config, results: state.discovery, logger: logger)]
        let address = ListenAddress(listenAddress)!
        let app = try buildApplication(state: state, webConfig: webConfig, listen: address)
        logger.info("starting vandine-exporter", metadata: [
            "version": "\(BuildInfo.version)", "address": "\(listenAddress)", "config": "\(source)",
            "tls": "\(webConfig.tls != nil)", "basic_auth": "\(!webConfig.basicAuthUsers.isEmpty)",
        ])
        var groupConfiguration = ServiceGroupConfiguration(
            // Array order is start order: prober services first (the engines, then the sweep and
            // continuous mode, which use them), the HTTP server after them, so it stops first.
            services: (proberServices + [smokeping]).map { .init(service: $0) }
                + [.init(service: app), .init(service: SignalReloadService { state.reload() })],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // In-flight probes get half a second to finish, then they are cancelled: exit stays under 2 s.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(500)
        groupConfiguration.maximumCancellationDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            // e.g. the listen address is taken: one clean line, in the log format, not a raw dump.
            logger.critical("vandine-exporter stopped", metadata: ["err": "\(ServerError.reason(error))"])
            throw ExitCode(1)
        }
        logger.info("vandine-exporter stopped")
    }

    /// The initial configs; nil (after logging why) when either cannot be loaded. Kept out of the
    /// async `run()`: Swift 6.3's optimizer crashes on typed throws inside that coroutine.
    private func loadConfigs(loader: @escaping ReloadableConfig<ExporterConfig>.Loader,
                             logger: Logger) -> (ReloadableConfig<ExporterConfig>, WebConfig)? {
        do {
            let config = try ReloadableConfig(loader: loader)
            var webConfig = WebConfig()
            if let webConfigFile { webConfig = try WebServerTLS.load(path: webConfigFile) }
            return (config, webConfig)
        } catch {
            logger.critical("cannot load configuration", metadata: ["err": "\(error)"])
            return nil
        }
    }

    /// `--config.check`: prints `config OK` or the error line.
    private func checkConfigs(loader: ReloadableConfig<ExporterConfig>.Loader) -> Bool {
        do {
            _ = try loader()
            if let webConfigFile { _ = try WebServerTLS.load(path: webConfigFile) }
            print("config OK")
            return true
        } catch {
            printError("\(error)")
            return false
        }
    }

    private func printError(_ message: String) {
        writeToStandardError(message + "\n")
    }
}
