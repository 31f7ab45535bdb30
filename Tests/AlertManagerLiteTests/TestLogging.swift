import Logging
import Synchronization

/// A log handler that keeps every message with its level, so tests can assert what was logged.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String, metadata: [String: String])]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    var entries: [(level: Logger.Level, message: String, metadata: [String: String])] { lines.withLock { $0 } }

    var errors: [String] {
        entries.filter { $0.level >= .error }.map { "\($0.message) \($0.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String, _ metadata: [String: String]) {
        lines.withLock { $0.append((level, message, metadata)) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(event.level, event.message.description, merged.mapValues { "\($0)" })
        }
    }
}
