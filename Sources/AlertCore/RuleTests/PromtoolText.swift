/// Go's spellings of the values promtool prints, so our failure output matches its text.
enum GoText {
    /// `strconv.Quote` (the template engine's).
    static func quote(_ text: String) -> String { GoQuoting.quote(text) }

    /// Prometheus's `labels.Labels.String()`: `{a="1", b="2"}`, sorted by name.
    static func labels(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(quote($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Go's `time.Duration.String()` for a whole number of milliseconds: `0s`, `500ms`, `1m0s`,
    /// `1h0m0s`, `1m30.5s`.
    static func duration(milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        let negative = milliseconds < 0
        let total = negative ? -milliseconds : milliseconds
        var text: String
        if total < 1000 {
            text = "\(total)ms"
        } else {
            let hours = total / 3_600_000
            let minutes = (total / 60_000) % 60
            let seconds = (total / 1000) % 60
            let fraction = total % 1000
            var secondsText = "\(seconds)"
            if fraction > 0 {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 3 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                secondsText += "." + digits
            }
            text = secondsText + "s"
            if hours > 0 { text = "\(hours)h\(minutes)m" + text } else if minutes > 0 { text = "\(minutes)m" + text }
        }
        return negative ? "-" + text : text
    }

    /// `strconv.FormatFloat(v, 'E', -1, 64)`: the shortest digits that read back as `v`, in
    /// `d.dddE±XX` form (`3E+00`, `3.0000000000000004E-01`, `+Inf`, `NaN`).
    static func exponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0E+00" : "0E+00" }
        // Swift's description is the shortest round-trip representation too; take its digits.
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var integer = text
        var fraction = ""
        if let dot = text.firstIndex(of: ".") {
            integer = String(text[..<dot])
            fraction = String(text[text.index(after: dot)...])
        }
        var digits = integer + fraction
        exponent += integer.count - 1
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let exponentText = String(abs(exponent))
        return (value < 0 ? "-" : "") + mantissa + "E" + (exponent < 0 ? "-" : "+")
            + (exponentText.count < 2 ? "0" + exponentText : exponentText)
    }
}

extension GoText {
    /// A sample value as Go's `%v`/`strconv.FormatFloat(v, 'g', -1, 64)` prints it in alert
    /// values: `+Inf`, `-Inf`, `NaN`, `0.5`, `1e+21`.
    static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
