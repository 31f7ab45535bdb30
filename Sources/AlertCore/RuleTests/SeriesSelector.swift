/// A series written as PromQL writes one (`parser.ParseMetric`): `name`, `name{a="b", c="d"}` or
/// `{__name__="name", a="b"}`. Only `=` is allowed; values are Go string literals in double quotes,
/// single quotes or backticks, with Go's escapes.
public enum SeriesSelector {
    /// The label set (with `__name__` when a name is given; `{}` is the empty set, as for a
    /// scalar in `exp_samples`); throws a message naming the 1-based character where parsing stopped.
    public static func parse(_ text: String) throws(SeriesValuesError) -> [String: String] {
        var parser = Parser(Array(text.unicodeScalars))
        return try parser.parse()
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0
        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        func error(_ message: String) -> SeriesValuesError { SeriesValuesError(column: position + 1, message: message) }

        mutating func skipBlanks() {
            while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { position += 1 }
        }

        static func isNameStart(_ scalar: Unicode.Scalar, colon: Bool) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || (colon && scalar == ":")
        }

        mutating func name(colon: Bool) -> String? {
            guard let first = peek, Self.isNameStart(first, colon: colon) else { return nil }
            var text = ""
            while let scalar = peek, Self.isNameStart(scalar, colon: colon) || ("0"..."9").contains(scalar) {
                text.unicodeScalars.append(scalar)
                position += 1
            }
            return text
        }

        mutating func parse() throws(SeriesValuesError) -> [String: String] {
            var labels: [String: String] = [:]
            skipBlanks()
            if let metric = name(colon: true) { labels["__name__"] = metric }
            skipBlanks()
            if peek == "{" {
                position += 1
                while true {
                    skipBlanks()
                    if peek == "}" { position += 1; break }
                    guard let label = name(colon: false) else {
                        throw error(peek == nil ? "unexpected end of input, expected a label name" : "unexpected \"\(peek!)\", expected a label name")
                    }
                    skipBlanks()
                    guard peek == "=" else { throw error("expected \"=\" after label \(label) (only = is allowed in a series)") }
                    position += 1
                    if peek == "~" { throw error("expected \"=\" after label \(label) (only = is allowed in a series)") }
                    skipBlanks()
                    let value = try string()
                    guard labels.updateValue(value, forKey: label) == nil else { throw error("label \(label) appears twice") }
                    skipBlanks()
                    if peek == "," { position += 1; continue }
                    guard peek == "}" else {
                        throw error(peek == nil ? "unexpected end of input, expected \",\" or \"}\"" : "unexpected \"\(peek!)\", expected \",\" or \"}\"")
                    }
                }
            }
            skipBlanks()
            if let rest = peek { throw error("unexpected \"\(rest)\" after the series") }
            return labels
        }

        /// A Go string literal.
        mutating func string() throws(SeriesValuesError) -> String {
            guard let quote = peek, quote == "\"" || quote == "'" || quote == "`" else {
                throw error("expected a quoted label value")
            }
            position += 1
            var text = ""
            while true {
                guard let scalar = peek else { throw error("unterminated string") }
                position += 1
                if scalar == quote { return text }
                if scalar == "\\" && quote != "`" {
                    guard let escaped = peek else { throw error("unterminated string") }
                    position += 1
                    switch escaped {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    case "r": text += "\r"
                    case "a": text += "\u{07}"
                    case "b": text += "\u{08}"
                    case "f": text += "\u{0C}"
                    case "v": text += "\u{0B}"
                    case "\\", "\"", "'": text.unicodeScalars.append(escaped)
                    case "u", "U", "x":
                        let length = escaped == "u" ? 4 : escaped == "U" ? 8 : 2
                        guard position + length <= scalars.count,
                              let code = UInt32(String(String.UnicodeScalarView(scalars[position..<position + length])), radix: 16),
                              let decoded = Unicode.Scalar(code)
                        else { throw error("bad escape \\\(escaped)") }
                        position += length
                        text.unicodeScalars.append(decoded)
                    default: throw error("unknown escape \\\(escaped)")
                    }
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
    }
}
