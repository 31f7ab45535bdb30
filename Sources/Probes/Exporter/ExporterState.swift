import Logging
import VandineCore

/// Everything the routes share: the reloadable config, the probe handler and its statistics, and
/// the discovery sweep's results.
/// One instance per process (or per test application).
public final class ExporterState: Sendable {
    public let config: ReloadableConfig<ExporterConfig>
    public let handler: ProbeHandler
    /// Where the config came from (`--config.file` or the embedded default), for logs and `/`.
    public let configSource: String
    public let logger: Logger
    /// What the discovery sweep found, for `/metrics`, `/sd` and `/` (empty without a sweep).
    public let discovery: DiscoveryResults
    /// Continuous mode (the `smokeping:` section), when the daemon runs it.
    public let smokeping: SmokepingService?
    /// The SSH session pool, whose sessions and logins `/metrics` reports (nil in tests without one).
    public let ssh: SSHSessionPool?

    public init(config: ReloadableConfig<ExporterConfig>, configSource: String, handler: ProbeHandler, logger: Logger,
                discovery: DiscoveryResults = DiscoveryResults(), smokeping: SmokepingService? = nil,
                ssh: SSHSessionPool? = nil) {
        self.config = config
        self.configSource = configSource
        self.handler = handler
        self.logger = logger
        self.discovery = discovery
        self.smokeping = smokeping
        self.ssh = ssh
    }

    /// Loads the config named by `--config.file`, or the embedded default when nil.
    /// `exporterPort`: where the embedded default's self-checks find this exporter.
    public static func loader(configFile: String?, exporterPort: Int = DefaultConfig.exporterPort) -> ReloadableConfig<ExporterConfig>.Loader {
        { () throws -> ExporterConfig in
            if let configFile {
                return try ConfigLoader().load(path: configFile)
            }
            return try ConfigLoader().parse(yaml: DefaultConfig.yaml(exporterPort: exporterPort), file: DefaultConfig.fileName)
        }
    }

    /// Reloads the config (SIGHUP or `POST /-/reload`), logging the outcome.
    @discardableResult
    public func reload() -> Result<Void, any Error> {
        let result = config.reload()
        switch result {
        case .success:
            logger.info("configuration reloaded", metadata: ["file": "\(configSource)"])
        case let .failure(error):
            logger.error("configuration reload failed, keeping the previous configuration",
                         metadata: ["file": "\(configSource)", "err": "\(error)"])
        }
        return result
    }
}
