/// Go's `strconv.Quote` / `strconv.Unquote` for template string literals and `%q`.
enum GoQuoting {
    /// `strconv.Quote`: double-quoted, with Go escapes for `"`, `\`, control and non-printable
    /// characters; printable Unicode stays as it is.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value >= 0x80 && !isPrintable(scalar) {
                    out += scalar.value > 0xFFFF ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        case .spaceSeparator: return scalar == " "
        default: return true
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `strconv.Unquote` of a `"…"` literal; nil on a malformed escape.
    static func unquote(_ literal: String) -> String? {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else { return nil }
        var out = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flushBytes() {
            if !bytes.isEmpty { out.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars); bytes = [] }
        }
        var index = 1
        while index < scalars.count - 1 {
            let scalar = scalars[index]
            guard scalar == "\\" else {
                flushBytes()
                out.append(scalar)
                index += 1
                continue
            }
            index += 1
            guard index < scalars.count - 1 else { return nil }
            let escape = scalars[index]
            index += 1
            switch escape {
            case "a": flushBytes(); out.append("\u{07}")
            case "b": flushBytes(); out.append("\u{08}")
            case "f": flushBytes(); out.append("\u{0C}")
            case "n": flushBytes(); out.append("\n")
            case "r": flushBytes(); out.append("\r")
            case "t": flushBytes(); out.append("\t")
            case "v": flushBytes(); out.append("\u{0B}")
            case "\\": flushBytes(); out.append("\\")
            case "\"": flushBytes(); out.append("\"")
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                guard index + width <= scalars.count - 1 else { return nil }
                let digits = String(String.UnicodeScalarView(scalars[index..<(index + width)]))
                guard let value = UInt32(digits, radix: 16) else { return nil }
                index += width
                if escape == "x" {
                    bytes.append(UInt8(value))
                } else {
                    guard let decoded = Unicode.Scalar(value) else { return nil }
                    flushBytes()
                    out.append(decoded)
                }
            case "0"..."7":
                guard index + 2 <= scalars.count - 1 else { return nil }
                let digits = String(String.UnicodeScalarView(scalars[(index - 1)..<(index + 2)]))
                guard let value = UInt32(digits, radix: 8), value <= 255 else { return nil }
                index += 2
                bytes.append(UInt8(value))
            default:
                return nil
            }
        }
        flushBytes()
        return String(out)
    }

    /// A `'x'` character constant.
    static func unquoteChar(_ literal: String) -> Character? {
        guard literal.hasPrefix("'"), literal.hasSuffix("'"), literal.count >= 3 else { return nil }
        let inner = String(literal.dropFirst().dropLast())
        let asString = inner == "\"" ? "\"" : unquote("\"" + inner + "\"")
        guard let asString, asString.count == 1 else { return nil }
        return asString.first
    }
}

/// A number literal as Go's template parser reads it: an integer when it parses as one (decimal,
/// 0x, 0o, 0b, underscores), a float when it has a fraction or exponent.
enum TemplateNumber: Equatable {
    case int(Int)
    case float(Double)

    init?(literal: String) {
        var text = literal.filter { $0 != "_" }
        var negative = false
        if text.hasPrefix("+") { text.removeFirst() } else if text.hasPrefix("-") { text.removeFirst(); negative = true }
        let lower = text.lowercased()
        var radix = 10
        var digits = Substring(text)
        if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy(\.isNumber) { radix = 8; digits = digits.dropFirst() }
        if !digits.isEmpty, let value = Int(digits, radix: radix) {
            self = .int(negative ? -value : value)
            return
        }
        guard radix == 10 || (radix == 8 && !lower.hasPrefix("0o")), !text.isEmpty,
              text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" }),
              text.first?.isNumber == true || text.first == ".",
              let value = Double(text) else { return nil }
        self = .float(negative ? -value : value)
    }
}
