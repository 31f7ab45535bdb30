/// Prometheus's `humanize*` template functions (`template/template.go`, 2.42), all built on Go's
/// `%.4g`: `humanize(1234567)` = `1.235M`, `humanize1024(1048576)` = `1Mi`,
/// `humanizePercentage(0.1234)` = `12.34%`, `humanizeDuration(899.99)` = `14m 59s`.
enum Humanize {
    static func g4(_ value: Double) -> String { GoFloat.format(value, "g", precision: 4) }

    /// SI prefixes k…Y for |v| ≥ 1, m…y below.
    static func humanize(_ input: Double) -> String {
        var value = input
        if value == 0 || value.isInfinite || value.isNaN { return g4(value) }
        var prefix = ""
        if abs(value) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(value) < 1000 { break }
                prefix = candidate
                value /= 1000
            }
            return g4(value) + prefix
        }
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(value) >= 1 { break }
            prefix = candidate
            value *= 1000
        }
        return g4(value) + prefix
    }

    /// Binary prefixes ki…Yi; |v| ≤ 1 unchanged.
    static func humanize1024(_ input: Double) -> String {
        var value = input
        if abs(value) <= 1 || value.isNaN || value.isInfinite { return g4(value) }
        var prefix = ""
        for candidate in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(value) < 1024 { break }
            prefix = candidate
            value /= 1024
        }
        return g4(value) + prefix
    }

    /// Seconds as `1d 2h 3m 4s`, `1.5s`, or `ms`/`us`/`ns`… below a second.
    static func duration(_ input: Double) -> String {
        var value = input
        if value.isNaN || value.isInfinite { return g4(value) }
        if value == 0 { return g4(value) + "s" }
        if abs(value) >= 1 {
            var sign = ""
            if value < 0 { sign = "-"; value = -value }
            // Go's int64(v) truncates; beyond int64 amd64 gives math.MinInt64, and so do we.
            let total = value < 9.223372036854775807e18 ? Int64(value) : Int64.min
            let seconds = total % 60
            let minutes = (total / 60) % 60
            let hours = (total / 60 / 60) % 24
            let days = total / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(value) + "s"
        }
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(value) >= 1 { break }
            prefix = candidate
            value *= 1000
        }
        return g4(value) + prefix + "s"
    }

    static func percentage(_ value: Double) -> String { g4(value * 100) + "%" }

    /// Go's `time.Time.String()` of the UTC time at millisecond precision, as Prometheus's
    /// `floatToTime` truncates it (`2015-06-23 13:19:44.128 +0000 UTC`); nil when it overflows
    /// int64 nanoseconds. NaN and ±Inf print as numbers.
    static func timestamp(_ value: Double) -> String? {
        if value.isNaN || value.isInfinite { return g4(value) }
        let nanoseconds = value * 1e9
        guard nanoseconds < 9.223372036854775807e18, nanoseconds >= -9.223372036854775808e18 else { return nil }
        let milliseconds = Int64(nanoseconds) / 1_000_000
        var seconds = milliseconds / 1000
        var fraction = milliseconds % 1000
        if fraction < 0 { fraction += 1000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        func two(_ number: Int64) -> String { number < 10 ? "0\(number)" : "\(number)" }
        var text = "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + " +0000 UTC"
    }

    /// Howard Hinnant's days-from-civil inverse: days since 1970-01-01 to year, month, day.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
