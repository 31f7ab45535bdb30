import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP, as Prometheus' daemons do.
struct SignalReloadService: Service {
    let state: ExporterState

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            state.reload()
        }
    }
}
