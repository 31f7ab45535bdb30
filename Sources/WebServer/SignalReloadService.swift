import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP, as Prometheus' daemons do.
public struct SignalReloadService: Service {
    let reload: @Sendable () -> Void

    /// `reload` is called once per SIGHUP; it logs its own outcome.
    public init(reload: @escaping @Sendable () -> Void) {
        self.reload = reload
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }
}
