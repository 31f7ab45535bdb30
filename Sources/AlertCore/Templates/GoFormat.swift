/// Go's `fmt.Sprintf` / `fmt.Sprint` for template values: verbs %v %s %d %f %F %e %E %g %G %q %x %X %o %b %c %t
/// %%, flags `-+ 0#`, width and precision, and Go's messages for a wrong verb (`%!d(float64=1.5)`),
/// a missing operand (`%!d(MISSING)`) and extra operands (`%!(EXTRA int=1)`).
enum GoFormat {
    /// `fmt.Sprint`: spaces between operands when neither side is a string.
    static func sprint(_ values: [TemplateValue]) -> String {
        var out = ""
        for (index, value) in values.enumerated() {
            if index > 0, !isString(value), !isString(values[index - 1]) { out += " " }
            out += value.goDescription
        }
        return out
    }

    /// `fmt.Sprintln`: always spaces, and a newline.
    static func sprintln(_ values: [TemplateValue]) -> String {
        values.map(\.goDescription).joined(separator: " ") + "\n"
    }

    private static func isString(_ value: TemplateValue) -> Bool {
        if case .string = value { return true }
        return false
    }

    struct Flags {
        var minus = false, plus = false, space = false, zero = false, sharp = false
        var width: Int? = nil
        var precision: Int? = nil
    }

    /// `fmt.Sprintf(format, values...)`.
    static func sprintf(_ format: String, _ values: [TemplateValue]) -> String {
        var out = ""
        let characters = Array(format)
        var index = 0
        var argument = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "%" else { out.append(character); index += 1; continue }
            index += 1
            var flags = Flags()
            flagLoop: while index < characters.count {
                switch characters[index] {
                case "-": flags.minus = true; flags.zero = false
                case "+": flags.plus = true
                case " ": flags.space = true
                case "0": flags.zero = !flags.minus
                case "#": flags.sharp = true
                default: break flagLoop
                }
                index += 1
            }
            var width = ""
            while index < characters.count, characters[index].isASCII, characters[index].isNumber { width.append(characters[index]); index += 1 }
            if !width.isEmpty { flags.width = Int(width) }
            if index < characters.count, characters[index] == "." {
                index += 1
                var precision = ""
                while index < characters.count, characters[index].isASCII, characters[index].isNumber { precision.append(characters[index]); index += 1 }
                flags.precision = Int(precision) ?? 0
            }
            guard index < characters.count else { out += "%!(NOVERB)"; break }
            let verb = characters[index]
            index += 1
            if verb == "%" { out += "%"; continue }
            guard argument < values.count else { out += "%!\(verb)(MISSING)"; continue }
            out += formatOne(values[argument], verb: verb, flags: flags)
            argument += 1
        }
        if argument < values.count {
            out += "%!(EXTRA " + values[argument...].map { "\($0.goType)=\($0.goDescription)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    /// Go prints the operand of a wrong verb with `%v` and the flags, width and precision given
    /// (`printf "%.1f" "10"` is `%!f(string=1)`).
    static func badVerb(_ value: TemplateValue, _ verb: Character, flags: Flags) -> String {
        if case .missing = value { return "%!\(verb)(<nil>)" }
        return "%!\(verb)(\(value.goType)=\(formatOne(value, verb: "v", flags: flags)))"
    }

    static func formatOne(_ value: TemplateValue, verb: Character, flags: Flags) -> String {
        switch value {
        case let .float(number):
            switch verb {
            case "v", "g", "G": return padNumber(GoFloat.format(number, "g", precision: flags.precision ?? -1), flags: flags, upper: verb == "G")
            case "f", "F": return padNumber(GoFloat.format(number, "f", precision: flags.precision ?? 6), flags: flags)
            case "e", "E": return padNumber(GoFloat.format(number, "e", precision: flags.precision ?? 6), flags: flags, upper: verb == "E")
            case "x", "X": return padNumber(GoFloat.hex(number, precision: flags.precision ?? -1, upper: verb == "X"), flags: flags)
            default: return badVerb(value, verb, flags: flags)
            }
        case let .int(number):
            switch verb {
            case "v", "d": return padNumber(String(number), flags: flags)
            case "x", "X":
                let digits = String(number.magnitude, radix: 16, uppercase: verb == "X")
                return padNumber((number < 0 ? "-" : "") + (flags.sharp ? (verb == "X" ? "0X" : "0x") : "") + digits, flags: flags)
            case "o": return padNumber((number < 0 ? "-" : "") + String(number.magnitude, radix: 8), flags: flags)
            case "b": return padNumber((number < 0 ? "-" : "") + String(number.magnitude, radix: 2), flags: flags)
            case "c": return pad(Unicode.Scalar(UInt32(truncatingIfNeeded: number)).map { String($0) } ?? "\u{FFFD}", flags: flags)
            case "q": return pad("'" + (Unicode.Scalar(UInt32(truncatingIfNeeded: number)).map { String($0) } ?? "\u{FFFD}") + "'", flags: flags)
            case "f", "F", "e", "g": return badVerb(value, verb, flags: flags)
            default: return badVerb(value, verb, flags: flags)
            }
        case let .string(text):
            var text = text
            if let precision = flags.precision { text = String(text.prefix(precision)) }
            switch verb {
            case "v", "s": return pad(text, flags: flags)
            case "q": return pad(flags.sharp && !text.contains("`") ? "`\(text)`" : GoQuoting.quote(text), flags: flags)
            case "x", "X":
                let hex = text.utf8.map { byte -> String in
                    let digits = String(byte, radix: 16, uppercase: verb == "X")
                    return digits.count == 1 ? "0" + digits : digits
                }
                return pad(hex.joined(separator: flags.space ? " " : ""), flags: flags)
            default: return badVerb(value, verb, flags: flags)
            }
        case let .bool(flag):
            return verb == "v" || verb == "t" ? pad(flag ? "true" : "false", flags: flags) : badVerb(value, verb, flags: flags)
        case .labels, .data:
            if verb == "v" || verb == "s" { return pad(value.goDescription, flags: flags) }
            return badVerb(value, verb, flags: flags)
        case .missing:
            return verb == "v" || verb == "s" ? pad("<nil>", flags: flags) : badVerb(value, verb, flags: flags)
        }
    }

    /// Sign flags and zero padding for numbers (`fmt`'s fmtFloat/fmtInteger); Inf and NaN are
    /// never zero-padded and NaN gets no sign unless asked.
    static func padNumber(_ text: String, flags: Flags, upper: Bool = false) -> String {
        var body = upper ? text.uppercased() : text
        if upper { body = body.replacingInfNaN() }
        var sign = ""
        if body.hasPrefix("-") || body.hasPrefix("+") { sign = String(body.removeFirst()) }
        let special = body == "Inf" || body == "NaN"
        if sign.isEmpty && !(special && body == "NaN" && !flags.plus && !flags.space) {
            if flags.plus { sign = "+" } else if flags.space { sign = " " }
        }
        if special && body == "Inf" && sign.isEmpty { sign = "+" }
        if special && body == "NaN" && flags.plus { sign = "+" }
        if let width = flags.width, flags.zero, !flags.minus, !special, sign.count + body.count < width {
            return sign + String(repeating: "0", count: width - sign.count - body.count) + body
        }
        return pad(sign + body, flags: flags)
    }

    static func pad(_ text: String, flags: Flags) -> String {
        guard let width = flags.width, text.count < width else { return text }
        let padding = String(repeating: " ", count: width - text.count)
        return flags.minus ? text + padding : padding + text
    }
}

private extension String {
    /// `%E`/`%G` upper-case the exponent but Go keeps `Inf`/`NaN` spelled as they are.
    func replacingInfNaN() -> String {
        self == "+INF" ? "+Inf" : self == "-INF" ? "-Inf" : self == "NAN" ? "NaN" : self
    }
}
