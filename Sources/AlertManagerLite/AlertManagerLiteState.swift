import AlertCore
import FoundationEssentials
import Logging
import Synchronization

/// What the HTTP routes read: the rules (through ``RuleStatusProvider``), the pushed alerts, the
/// state store, evaluation statistics and the reload status.
final class AlertManagerLiteState: Sendable {
    let rules: any RuleStatusProvider
    let store: AlertStateStore
    let pushed: PushedAlerts
    let evaluations: RuleEvaluationMetrics
    let configSource: String
    let logger: Logger
    /// Re-reads the config and rules; the error when they are broken (the old ones keep running).
    private let reloadAction: @Sendable () -> Result<Void, any Error>
    private let reloadStatus: Mutex<(status: AlertManagerLiteMetrics.ReloadStatus, error: String?)>
    /// The wall clock in Unix seconds (tests pass their own).
    let now: @Sendable () -> Double
    /// When the daemon started (Unix seconds), for `/api/v2/status`.
    let startTime: Double

    init(rules: any RuleStatusProvider, store: AlertStateStore, pushed: PushedAlerts, evaluations: RuleEvaluationMetrics,
         configSource: String, logger: Logger, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
         reload: @escaping @Sendable () -> Result<Void, any Error> = { .success(()) }) {
        self.rules = rules
        self.store = store
        self.pushed = pushed
        self.evaluations = evaluations
        self.configSource = configSource
        self.logger = logger
        self.now = now
        self.reloadAction = reload
        self.startTime = now()
        self.reloadStatus = Mutex((AlertManagerLiteMetrics.ReloadStatus(successful: true, lastSuccess: now()), nil))
    }

    /// `POST /-/reload` and SIGHUP: runs the reload and records its outcome for `/metrics` and `/`.
    @discardableResult
    func reload() -> Result<Void, any Error> {
        let result = reloadAction()
        let time = now()
        reloadStatus.withLock { current in
            switch result {
            case .success:
                current = (AlertManagerLiteMetrics.ReloadStatus(successful: true, lastSuccess: time), nil)
                logger.info("configuration reloaded")
            case let .failure(error):
                current.status.successful = false
                current.error = "\(error)"
                logger.error("configuration reload failed; the previous rules keep running", metadata: ["err": "\(error)"])
            }
        }
        return result
    }

    var reloadOutcome: (status: AlertManagerLiteMetrics.ReloadStatus, error: String?) { reloadStatus.withLock { $0 } }

    /// What the status page says about the state file when it is not the file that was asked for.
    var storageNote: String? {
        switch store.openOutcome {
        case .opened, .created: nil
        case let .movedAside(reason, movedTo): "the previous file was unusable (\(reason)) and was moved to \(movedTo)"
        case let .inMemory(reason): "in memory only: \(reason)"
        }
    }
}
