/// The time and number formats of Prometheus's and Alertmanager's JSON APIs.
public enum TimeFormat {
    /// Go's `time.RFC3339Nano` in UTC (`2026-11-29T18:15:00.25Z`): what Prometheus's API writes
    /// for `time.Time` fields. Fractions are trimmed of trailing zeros (none when whole); sub-
    /// microsecond digits are dropped, since a Double holding Unix seconds cannot carry them.
    public static func rfc3339Nano(_ seconds: Double) -> String {
        let (whole, micros) = split(seconds, scale: 1_000_000)
        var fraction = ""
        if micros > 0 {
            fraction = String(micros)
            fraction = "." + String(repeating: "0", count: 6 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        return dateTime(whole) + fraction + "Z"
    }

    /// go-openapi's `strfmt.DateTime` (`2006-01-02T15:04:05.000Z07:00`, always milliseconds), in
    /// UTC: what Alertmanager's v2 API writes.
    public static func rfc3339Millis(_ seconds: Double) -> String {
        let (whole, millis) = split(seconds, scale: 1000)
        let digits = String(millis)
        return dateTime(whole) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Go's zero `time.Time` as Prometheus writes it for a rule never evaluated.
    public static let zeroTime = "0001-01-01T00:00:00Z"

    /// Parses an RFC 3339 date-time (`2026-11-29T18:15:00Z`, `…00.123456789+02:00`) into Unix
    /// seconds; nil when it is not one.
    public static func parseRFC3339(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard bytes[i] >= 48 && bytes[i] <= 57 else { return nil }
                value = value * 10 + Int(bytes[i] - 48)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == UInt8(ascii: "-"), let month = number(5..<7), bytes[7] == UInt8(ascii: "-"),
              let day = number(8..<10), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = number(11..<13), bytes[13] == UInt8(ascii: ":"), let minute = number(14..<16),
              bytes[16] == UInt8(ascii: ":"), let second = number(17..<19),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let hours = number(index + 1..<index + 3), bytes[index + 3] == UInt8(ascii: ":"),
                  let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60 else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// Go's `strconv.FormatFloat(v, 'e', -1, 64)`, which Prometheus uses for an alert's `value`:
    /// the shortest digits that round-trip, in exponent form (`1e+00`, `1.2345e+03`, `NaN`, `+Inf`).
    public static func goExponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0e+00" }
        // Swift's description is also the shortest round-trip form, in plain or exponent notation.
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0]) + (parts.count > 1 ? Array(parts[1]) : [])
        var point = parts[0].count
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        exponent += point - 1
        var mantissa = String(digits[0])
        if digits.count > 1 { mantissa += "." + String(digits[1...]) }
        let magnitude = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
    }

    // MARK: - Calendar (proleptic Gregorian, Howard Hinnant's civil-date algorithms)

    /// Whole seconds and the fraction in units of `1/scale`, rounded, carrying into the seconds.
    static func split(_ seconds: Double, scale: Double) -> (whole: Int, fraction: Int) {
        var whole = seconds.rounded(.down)
        var fraction = ((seconds - whole) * scale).rounded()
        if fraction >= scale {
            whole += 1
            fraction = 0
        }
        return (Int(whole), Int(fraction))
    }

    /// `YYYY-MM-DDTHH:MM:SS` (UTC, no zone) of whole Unix seconds.
    static func dateTime(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + two(month) + "-" + two(day)
            + "T" + two(secondOfDay / 3600) + ":" + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60)
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
