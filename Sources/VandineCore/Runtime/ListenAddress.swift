import Logging

/// `--web.listen-address` as Prometheus spells it: `:10110`, `127.0.0.1:10110`, `[::1]:10110`.
/// An empty host means every interface.
public struct ListenAddress: Sendable, Equatable {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}

/// `--log.level` values as Prometheus spells them (`warn`, not `warning`).
public enum LogLevelName {
    public static func parse(_ text: String) -> Logger.Level? {
        switch text {
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }
}
