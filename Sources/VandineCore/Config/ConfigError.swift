/// A configuration problem, rendered as one line that names the file, the position, the key path
/// and the offending value: `vandine.yml:14:9: devices[2].ssh.port: must be 1-65535, got 70000`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the problem is in (as given by the user, not resolved).
    public let file: String
    /// 1-based line, or nil when the problem has no position (for example an unreadable file).
    public let line: Int?
    /// 1-based column, or nil together with `line`.
    public let column: Int?
    /// The key path, e.g. `devices[2].ssh.port`; empty for problems with the whole document.
    public let path: String
    /// A plain sentence fragment saying what is wrong.
    public let message: String

    public init(file: String, line: Int?, column: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var text = file
        if let line, let column { text += ":\(line):\(column)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        return text + message
    }
}
