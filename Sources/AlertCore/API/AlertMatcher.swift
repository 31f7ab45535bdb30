import VandineCore

/// One Alertmanager label matcher (`name="value"`, `name!=value`, `name=~"regex"`, `name!~regex`),
/// as the `filter` query parameter of `GET /api/v2/alerts` and amtool write them
/// (`pkg/labels/parse.go` ParseMatcher). Regular expressions are anchored at both ends.
public struct AlertMatcher: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, Equatable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    private let regex: RegularExpression?

    public var description: String { "\(name)\(op.rawValue)\(PushedAlerts.goQuoted(value))" }

    public static func == (lhs: AlertMatcher, rhs: AlertMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    /// Parses `text`; the error is Alertmanager's sentence (`bad matcher format: …`).
    public static func parse(_ text: String) -> Result<AlertMatcher, MatcherError> {
        let trimmed = text.trimmingBlanks()
        var nameEnd = trimmed.startIndex
        while nameEnd < trimmed.endIndex, let ascii = trimmed[nameEnd].asciiValue,
              ascii == UInt8(ascii: "_") || ascii == UInt8(ascii: ":") || (ascii >= 48 && ascii <= 57)
                || (ascii | 0x20 >= UInt8(ascii: "a") && ascii | 0x20 <= UInt8(ascii: "z")) {
            nameEnd = trimmed.index(after: nameEnd)
        }
        let name = String(trimmed[..<nameEnd])
        var rest = trimmed[nameEnd...].drop { $0 == " " || $0 == "\t" }
        let op: Operator
        if rest.hasPrefix("=~") { op = .regexMatch } else if rest.hasPrefix("!~") { op = .regexNoMatch }
        else if rest.hasPrefix("!=") { op = .notEqual } else if rest.hasPrefix("=") { op = .equal }
        else { return .failure(MatcherError(description: "bad matcher format: \(text)")) }
        guard !name.isEmpty, !(name.first!.isNumber) else { return .failure(MatcherError(description: "bad matcher format: \(text)")) }
        rest = rest.dropFirst(op.rawValue.count).drop { $0 == " " || $0 == "\t" }
        var value = String(rest)
        while value.hasSuffix(" ") { value.removeLast() }
        if value.hasPrefix("\"") {
            guard value.count >= 2, value.hasSuffix("\""), let unquoted = unquote(String(value.dropFirst().dropLast())) else {
                return .failure(MatcherError(description: "bad matcher format: \(text)"))
            }
            value = unquoted
        }
        var regex: RegularExpression?
        if op == .regexMatch || op == .regexNoMatch {
            switch RegularExpression.compile("^(?:" + value + ")$") {
            case let .success(compiled): regex = compiled
            case let .failure(error): return .failure(MatcherError(description: "bad matcher format: \(text): \(error)"))
            }
        }
        return .success(AlertMatcher(name: name, op: op, value: value, regex: regex))
    }

    private init(name: String, op: Operator, value: String, regex: RegularExpression?) {
        self.name = name
        self.op = op
        self.value = value
        self.regex = regex
    }

    /// Whether the label set matches (a missing label has the value "").
    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regexMatch: return regex!.matches(actual)
        case .regexNoMatch: return !regex!.matches(actual)
        }
    }

    /// Go-style unquoting of the escapes matchers use: `\"`, `\\`, `\n`, `\t`.
    private static func unquote(_ text: String) -> String? {
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"", "\\": out.append(character)
                default: return nil
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return nil
            } else {
                out.append(character)
            }
        }
        return escaped ? nil : out
    }
}

/// A matcher that cannot be parsed; the description is the whole message.
public struct MatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}
