/// Go's `strings.ToUpper`/`ToLower`/`Title`. Title: the first letter of every word upper-cased, where letters, digits and
/// `_` continue a word and ASCII punctuation or spaces end it (`"hello wORld-x"` → `"Hello WORld-X"`).
enum GoStrings {
    /// `strings.ToUpper`: rune by rune with Go's simple case mapping (`ß` stays `ß`; Swift's
    /// `uppercased()` would make it `SS`).
    static func upper(_ text: String) -> String { map(text) { $0.properties.uppercaseMapping } }

    /// `strings.ToLower`, rune by rune.
    static func lower(_ text: String) -> String { map(text) { $0.properties.lowercaseMapping } }

    /// A full mapping that is one scalar is the simple mapping; longer ones have no simple
    /// mapping and Go leaves the rune as it is.
    private static func map(_ text: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { out.append(simple(scalar, mapping)) }
        return String(out)
    }

    private static func simple(_ scalar: Unicode.Scalar, _ mapping: (Unicode.Scalar) -> String) -> Unicode.Scalar {
        let mapped = mapping(scalar).unicodeScalars
        return mapped.count == 1 ? mapped.first! : scalar
    }

    static func title(_ text: String) -> String {
        var out = ""
        var previous: Unicode.Scalar = " "
        for scalar in text.unicodeScalars {
            if isSeparator(previous) {
                out.unicodeScalars.append(simple(scalar) { $0.properties.titlecaseMapping })
            } else {
                out.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return out
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value <= 0x7F {
            let byte = UInt8(scalar.value)
            if (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 { return false }
            return true
        }
        if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { return false }
        return scalar.properties.isWhitespace
    }
}

/// Go's `html` and `urlquery` template functions.
enum GoEscaping {
    /// `template.HTMLEscapeString`.
    static func html(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            case "\0": out += "\u{FFFD}"
            default: out.append(character)
            }
        }
        return out
    }

    /// `url.QueryEscape`: unreserved bytes as they are, space as `+`, the rest `%XX`.
    static func queryEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// Go's `strconv.ParseFloat` for the strings `humanize` accepts: decimal and exponent forms,
/// `Inf`/`Infinity`/`NaN` in any case with an optional sign, underscores refused.
enum GoParse {
    static func float(_ text: String) -> Double? {
        guard !text.isEmpty, !text.contains("_"), !text.contains(where: { $0.isWhitespace }) else { return nil }
        var body = Substring(text)
        var negative = false
        if body.first == "+" || body.first == "-" { negative = body.first == "-"; body = body.dropFirst() }
        switch body.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        guard body.first?.isNumber == true || body.first == "." else { return nil }
        guard let value = Double(body) else { return nil }
        return negative ? -value : value
    }
}
