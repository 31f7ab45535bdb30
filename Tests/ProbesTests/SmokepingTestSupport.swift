import Logging
import Synchronization
import VandineCore
@testable import Probes

/// What the continuous-mode tests share: a config that a test can change and reload, a scripted
/// resolver, an engine that records when each request left, and waiting on a condition.
enum SmokepingTesting {
    /// A reloadable config whose next load returns whatever the test put in the box.
    final class ConfigBox: Sendable {
        final class Next: Sendable {
            let value: Mutex<ExporterConfig>
            init(_ config: ExporterConfig) { value = Mutex(config) }
        }

        let next: Next
        let reloadable: ReloadableConfig<ExporterConfig>

        init(_ config: ExporterConfig) throws {
            let next = Next(config)
            self.next = next
            self.reloadable = try ReloadableConfig { () throws -> ExporterConfig in next.value.withLock { $0 } }
        }

        func reload(_ config: ExporterConfig) {
            next.value.withLock { $0 = config }
            _ = reloadable.reload()
        }
    }

    static func config(targets: [String], interval: Int64 = 50, buckets: [Double] = SmokepingConfig.defaultBuckets) -> ExporterConfig {
        ExporterConfig(smokeping: SmokepingConfig(interval: .init(milliseconds: interval), targets: targets,
                                                  hosts: targets.map { .init(label: $0, address: $0) }, buckets: buckets))
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "smokeping-test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `service` in a task, runs `body`, then cancels the service and waits for it to end.
    static func running<T>(_ service: SmokepingService, _ body: () async throws -> T) async throws -> T {
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let result = try await body()
        task.cancel()
        _ = await task.result
        return result
    }

    /// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
    static func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    /// A resolver answering from a table the test can change; counts its calls.
    final class ScriptedResolver: HostResolving {
        let table: Mutex<[String: IPAddress]>
        let calls = Mutex(0)
        let validFor: Duration

        init(_ table: [String: IPAddress], validFor: Duration) {
            self.table = Mutex(table)
            self.validFor = validFor
        }

        func resolve(_ name: String, preference: IPProtocolPreference) throws(HostResolutionError) -> HostResolution {
            calls.withLock { $0 += 1 }
            guard let address = table.withLock({ $0[name] }) else { throw HostResolutionError("cannot resolve \(name)") }
            return HostResolution(address: address, validFor: validFor)
        }
    }

    /// Wraps another engine and records the instant of every request per destination.
    final class RecordingEngine: ICMPEchoing {
        let inner: any ICMPEchoing
        let sends = Mutex<[ICMPDestination: [ContinuousClock.Instant]]>([:])

        init(_ inner: any ICMPEchoing) { self.inner = inner }

        func instants(_ destination: String) -> [ContinuousClock.Instant] {
            sends.withLock { $0[ICMPDestination(address: IPAddress(destination)!)] ?? [] }
        }

        func openSession(to destination: ICMPDestination, options: EchoOptions,
                         onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
            Session(inner: try inner.openSession(to: destination, options: options, onReply: onReply), destination: destination, engine: self)
        }

        /// Continuous mode does not use it; here for engines whose protocol has it.
        func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
            Task {
                try? await Task.sleep(until: instant, clock: .continuous)
                action()
            }
            return ScheduledAction(id: 0)
        }

        func cancel(_ scheduled: ScheduledAction) {}

        final class Session: EchoSession {
            let inner: any EchoSession
            let destination: ICMPDestination
            let engine: RecordingEngine

            init(inner: any EchoSession, destination: ICMPDestination, engine: RecordingEngine) {
                self.inner = inner
                self.destination = destination
                self.engine = engine
            }

            func send() throws(ICMPError) -> UInt16 {
                let now = ContinuousClock.now
                engine.sends.withLock { $0[destination, default: []].append(now) }
                return try inner.send()
            }

            func close() { inner.close() }
        }
    }
}
