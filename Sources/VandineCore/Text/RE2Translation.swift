/// Translates Go RE2 syntax — what blackbox.yml files are written in — into POSIX extended syntax
/// for glibc's `regcomp`, or says why a pattern cannot be translated. The result matches the same
/// strings as RE2 for everything blackbox users write in practice; the differences that remain:
///
/// - `.` also matches a newline (RE2 needs `(?s)` for that) unless the pattern starts with `(?m)`,
///   which maps to `REG_NEWLINE` (`^`/`$` at line breaks, `.` not matching `\n`).
/// - Lazy quantifiers (`*?`, `+?`, `??`, `{n,m}?`) become greedy: whether a pattern matches does not
///   change, only which text a group captures (used by `query_response` `send` expansions).
/// - `(?:…)` and named groups `(?P<n>…)` become plain groups, so later group numbers shift;
///   ``Translated/groupNames`` keeps each group's name (nil for unnamed and `(?:…)` groups) by
///   its POSIX group number.
///
/// Refused with a reason: inline flags other than at the start, `\p{…}` Unicode classes,
/// backreferences (RE2 has none either), and unknown escapes.
public enum RE2Translation {
    /// A translated pattern and the `regcomp` flags it needs.
    public struct Translated: Sendable, Equatable {
        public var pattern: String
        public var ignoreCase: Bool
        public var multiLine: Bool
        /// The name of each POSIX group in order (`groupNames[0]` is group 1): `n` for `(?P<n>…)`
        /// and `(?<n>…)`, nil for plain groups and for `(?:…)`, which is a group here too.
        public var groupNames: [String?] = []
    }

    public static func translate(_ pattern: String) -> Result<Translated, RegularExpressionError> {
        var source = Array(pattern.unicodeScalars)[...]
        var result = Translated(pattern: "", ignoreCase: false, multiLine: false)
        // Leading flag groups: (?i), (?s), (?m), (?is), …
        while source.starts(with: ["(", "?"]), let close = source.firstIndex(of: ")"),
              source[source.index(source.startIndex, offsetBy: 2)..<close].allSatisfy({ "ism".unicodeScalars.contains($0) }) {
            for flag in source[source.index(source.startIndex, offsetBy: 2)..<close] {
                if flag == "i" { result.ignoreCase = true }
                if flag == "m" { result.multiLine = true }
            }
            source = source[source.index(after: close)...]
        }
        var out = ""
        var names: [String?] = []
        while let scalar = source.popFirst() {
            switch scalar {
            case "\\":
                guard let next = source.popFirst() else { return .failure(.init(reason: "trailing backslash")) }
                if next == "Q" {
                    // \Q…\E: literal text.
                    while let literal = source.popFirst() {
                        if literal == "\\", source.first == "E" { source.removeFirst(); break }
                        out += escapedLiteral(literal)
                    }
                    continue
                }
                switch escape(next, &source, inBracket: false) {
                case let .success(text): out += text
                case let .failure(error): return .failure(error)
                }
            case "[":
                switch bracket(&source) {
                case let .success(text): out += text
                case let .failure(error): return .failure(error)
                }
            case "(" where source.first == "?":
                source.removeFirst()
                if source.first == ":" {
                    source.removeFirst()
                    names.append(nil)
                } else if source.starts(with: ["P", "<"]) || source.first == "<" {
                    guard let close = source.firstIndex(of: ">") else { return .failure(.init(reason: "unterminated group name")) }
                    let open = source.index(after: source.firstIndex(of: "<")!)
                    names.append(String(String.UnicodeScalarView(source[open..<close])))
                    source = source[source.index(after: close)...]
                } else {
                    return .failure(.init(reason: "inline flags such as (?i) are supported only at the start of the pattern"))
                }
                out += "("
            case "(":
                names.append(nil)
                out += "("
            case "*", "+", "?", "}":
                out.unicodeScalars.append(scalar)
                if source.first == "?" { source.removeFirst() }  // lazy → greedy
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        result.pattern = out
        result.groupNames = names
        return .success(result)
    }

    /// One escape after `\`, outside or inside a bracket expression.
    static func escape(_ letter: Unicode.Scalar, _ source: inout ArraySlice<Unicode.Scalar>,
                       inBracket: Bool) -> Result<String, RegularExpressionError> {
        switch letter {
        case "d": return .success(inBracket ? "0-9" : "[0-9]")
        case "s": return .success(inBracket ? "[:space:]" : "[[:space:]]")
        case "w": return .success(inBracket ? "[:alnum:]_" : "[[:alnum:]_]")
        case "D", "S", "W":
            guard !inBracket else { return .failure(.init(reason: "\\\(letter) inside [...] is not supported")) }
            return .success(["D": "[^0-9]", "S": "[^[:space:]]", "W": "[^[:alnum:]_]"][letter]!)
        case "b", "B":
            guard !inBracket else { return .failure(.init(reason: "\\\(letter) inside [...] is not supported")) }
            return .success("\\" + String(letter))
        case "A": return inBracket ? .failure(.init(reason: "\\A inside [...] is not supported")) : .success("^")
        case "z": return inBracket ? .failure(.init(reason: "\\z inside [...] is not supported")) : .success("$")
        case "t": return .success(literal("\t", inBracket))
        case "n": return .success(literal("\n", inBracket))
        case "r": return .success(literal("\r", inBracket))
        case "f": return .success(literal("\u{0C}", inBracket))
        case "v": return .success(literal("\u{0B}", inBracket))
        case "a": return .success(literal("\u{07}", inBracket))
        case "x":
            var digits = ""
            if source.first == "{" {
                source.removeFirst()
                while let digit = source.popFirst(), digit != "}" { digits.unicodeScalars.append(digit) }
            } else {
                for _ in 0..<2 { if let digit = source.popFirst() { digits.unicodeScalars.append(digit) } }
            }
            guard let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value), scalar.value > 0 else {
                return .failure(.init(reason: "invalid \\x escape"))
            }
            return .success(literal(scalar, inBracket))
        case "p", "P":
            return .failure(.init(reason: "Unicode classes (\\\(letter)) are not supported"))
        case "0"..."9":
            return .failure(.init(reason: "backreferences (\\\(letter)) are not supported"))
        default:
            // Escaped punctuation is the character itself.
            guard letter.isASCII, !letter.properties.isAlphabetic else {
                return .failure(.init(reason: "unsupported escape \\\(letter)"))
            }
            return .success(literal(letter, inBracket))
        }
    }

    /// A bracket expression after `[`, rebuilt in POSIX form: backslash escapes resolved, `]` first
    /// and `-` last when they are literal.
    static func bracket(_ source: inout ArraySlice<Unicode.Scalar>) -> Result<String, RegularExpressionError> {
        var negated = false
        if source.first == "^" { negated = true; source.removeFirst() }
        var items = ""
        var closeBracket = false
        var dash = false
        var first = true
        while let scalar = source.popFirst() {
            if scalar == "]", !first {
                var out = "["
                if negated { out += "^" }
                if closeBracket { out += "]" }
                out += items
                if dash { out += "-" }
                return .success(out + "]")
            }
            first = false
            switch scalar {
            case "\\":
                guard let next = source.popFirst() else { return .failure(.init(reason: "trailing backslash")) }
                if next == "]" { closeBracket = true; continue }
                if next == "-" { dash = true; continue }
                if next == "\\" { items += "\\"; continue }
                switch escape(next, &source, inBracket: true) {
                case let .success(text): items += text
                case let .failure(error): return .failure(error)
                }
            case "[" where source.first == ":":
                // A POSIX class such as [:alpha:], which RE2 knows too.
                guard let end = source.firstIndex(of: "]") else { return .failure(.init(reason: "unterminated [:class:]")) }
                items += "[" + String(String.UnicodeScalarView(source[..<source.index(after: end)]))
                source = source[source.index(after: end)...]
            case "]":
                closeBracket = true
            default:
                items.unicodeScalars.append(scalar)
            }
        }
        return .failure(.init(reason: "missing ]"))
    }

    /// `scalar` as a literal, escaped when it is special in POSIX ERE.
    static func escapedLiteral(_ scalar: Unicode.Scalar) -> String {
        "\\^$.|?*+()[]{}".unicodeScalars.contains(scalar) ? "\\" + String(scalar) : String(scalar)
    }

    static func literal(_ scalar: Unicode.Scalar, _ inBracket: Bool) -> String {
        inBracket ? String(scalar) : escapedLiteral(scalar)
    }
}
