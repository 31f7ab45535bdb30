import FoundationEssentials
import Logging

/// `--log.format`: logfmt (Prometheus' default) or JSON, one record per line on stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt, json
}

/// A swift-log handler writing logfmt or JSON lines to stderr, like Prometheus' own daemons.
/// Metadata values are printed as given: callers must never put a secret in a log record.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, format: LogFormat,
                write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        writeToStandardError(line)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", event.level.rawValue), ("caller", label), ("msg", "\(event.message)"),
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        write(format == .json ? Self.json(fields) : Self.logfmt(fields))
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
            guard needsQuotes else { return "\(key)=\(value)" }
            return "\(key)=\"\(escape(value))\""
        }.joined(separator: " ") + "\n"
    }

    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\(escape($0.0))\":\"\(escape($0.1))\"" }.joined(separator: ",") + "}\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func timestamp() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }
}
