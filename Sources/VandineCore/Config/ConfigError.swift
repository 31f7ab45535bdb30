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
        return Self.oneLine(text + message)
    }

    /// Keys and values quoted from the file may hold line breaks or other control characters
    /// (`"a\nb"` in YAML): they are written as `\n`, `\r`, `\t` or `\u{85}` so the error stays one line.
    static func oneLine(_ text: String) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isControl(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
