/// The exact decimal digits of a Double, rounded the way Go's `strconv` rounds them, so `printf`,
/// `humanize` and `{{ $value }}` print exactly what Prometheus prints (Go's `strconv/ftoa.go` and
/// `strconv/decimal.go`: exact expansion, round half to even only on an exact tie).
struct GoDecimal: Equatable {
    /// Significant digits, most significant first, as ASCII values '0'...'9'; no leading or
    /// trailing zeros (empty for zero).
    var digits: [UInt8]
    /// Position of the decimal point: value = 0.digits × 10^decimalPoint.
    var decimalPoint: Int

    /// The exact value of a finite, non-negative `value` (every binary double is a finite decimal).
    init(exact value: Double) {
        precondition(value.isFinite && value >= 0)
        if value == 0 { digits = []; decimalPoint = 0; return }
        let mantissa = value.significandBitPattern | (value.isNormal ? (1 << 52) : 0)
        let exponent = Int(value.isNormal ? value.exponentBitPattern : 1) - 1075
        // value = m·2^e. In base 10^9 limbs (little-endian): m·2^e, or m·5^-e shifted -e places
        // right. Chunks of 2^29 / 5^13 keep every limb product below 2^64.
        var limbs: [UInt64] = [mantissa % 1_000_000_000, mantissa / 1_000_000_000]
        while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() }
        var remaining = abs(exponent)
        let (chunkFactor, chunkPower): (UInt64, Int) = exponent >= 0 ? (1 << 29, 29) : (1_220_703_125, 13)
        while remaining > 0 {
            let power = min(remaining, chunkPower)
            let factor: UInt64 = power == chunkPower ? chunkFactor : (exponent >= 0 ? 1 << UInt64(power) : Self.powerOfFive(power))
            var carry: UInt64 = 0
            for index in limbs.indices {
                let product = limbs[index] * factor + carry
                limbs[index] = product % 1_000_000_000
                carry = product / 1_000_000_000
            }
            while carry > 0 { limbs.append(carry % 1_000_000_000); carry /= 1_000_000_000 }
            remaining -= power
        }
        var big: [UInt8] = Array(String(limbs.last!).utf8)
        for limb in limbs.dropLast().reversed() {
            let text = Array(String(limb).utf8)
            big += [UInt8](repeating: 48, count: 9 - text.count) + text
        }
        // m·5^k / 10^k: the point moves k places left.
        var point = big.count - (exponent < 0 ? -exponent : 0)
        while let first = big.first, first == 48 { big.removeFirst(); point -= 1 }
        while let last = big.last, last == 48 { big.removeLast() }
        digits = big
        decimalPoint = point
    }

    static func powerOfFive(_ power: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<power { result *= 5 }
        return result
    }

    /// The shortest digits that read back as `value` (Swift's `description` is shortest and
    /// closest, like Go's Ryū-based shortest formatting).
    init(shortest value: Double) {
        precondition(value.isFinite && value >= 0)
        if value == 0 { digits = []; decimalPoint = 0; return }
        let text = value.description
        let parts = text.split(separator: "e")
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integer = Array(pieces[0].utf8)
        let fraction = pieces.count > 1 ? Array(pieces[1].utf8) : []
        var all = integer + fraction
        var point = integer.count + exponent
        while let first = all.first, first == 48 { all.removeFirst(); point -= 1 }
        while let last = all.last, last == 48 { all.removeLast() }
        digits = all
        decimalPoint = all.isEmpty ? 0 : point
    }

    /// Rounds to `count` significant digits (Go's `decimal.Round`).
    mutating func round(toDigits count: Int) {
        guard count >= 0, count < digits.count else {
            if count < 0 { digits = []; decimalPoint = 0 }
            return
        }
        if shouldRoundUp(count) { roundUp(count) } else { roundDown(count) }
    }

    private func shouldRoundUp(_ count: Int) -> Bool {
        if digits[count] == 53 && count + 1 == digits.count {
            // Exactly halfway: round to even.
            return count > 0 && (digits[count - 1] - 48) % 2 == 1
        }
        return digits[count] >= 53
    }

    private mutating func roundUp(_ count: Int) {
        var index = count - 1
        while index >= 0 {
            if digits[index] < 57 {
                digits[index] += 1
                digits.removeSubrange((index + 1)...)
                return
            }
            index -= 1
        }
        // All nines: 0.999 becomes 1.
        digits = [49]
        decimalPoint += 1
    }

    private mutating func roundDown(_ count: Int) {
        digits.removeSubrange(count...)
        while let last = digits.last, last == 48 { digits.removeLast() }
        if digits.isEmpty { decimalPoint = 0 }
    }

    func digit(_ index: Int) -> Character {
        index >= 0 && index < digits.count ? Character(Unicode.Scalar(digits[index])) : "0"
    }
}

/// Go's `strconv.FormatFloat` for the formats templates use: 'e', 'f', 'g' with a precision or
/// -1 for the shortest representation that reads back exactly.
enum GoFloat {
    /// `strconv.FormatFloat(value, format, precision, 64)`: "+Inf", "-Inf", "NaN" for specials.
    static func format(_ value: Double, _ format: Character, precision: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let negative = value.sign == .minus
        let magnitude = abs(value)
        var decimal: GoDecimal
        var precision = precision
        let shortest = precision < 0
        if shortest {
            decimal = GoDecimal(shortest: magnitude)
            switch format {
            case "e": precision = max(decimal.digits.count - 1, 0)
            case "f": precision = max(decimal.digits.count - decimal.decimalPoint, 0)
            default: precision = decimal.digits.count
            }
        } else {
            decimal = GoDecimal(exact: magnitude)
            switch format {
            case "e": decimal.round(toDigits: precision + 1)
            case "f": decimal.round(toDigits: decimal.decimalPoint + precision)
            default:
                if precision == 0 { precision = 1 }
                decimal.round(toDigits: precision)
            }
        }
        let sign = negative ? "-" : ""
        switch format {
        case "e": return sign + formatE(decimal, precision: precision)
        case "f": return sign + formatF(decimal, precision: precision)
        default:
            var exponentPrecision = precision
            if exponentPrecision > decimal.digits.count && decimal.digits.count >= decimal.decimalPoint {
                exponentPrecision = decimal.digits.count
            }
            if shortest { exponentPrecision = 6 }
            let exponent = decimal.decimalPoint - 1
            if decimal.digits.isEmpty {
                // Zero: Go prints "0" (exponent 0 is within range).
                return sign + "0"
            }
            if exponent < -4 || exponent >= exponentPrecision {
                return sign + formatE(decimal, precision: min(precision, decimal.digits.count) - 1)
            }
            if precision > decimal.decimalPoint { precision = decimal.digits.count }
            return sign + formatF(decimal, precision: max(precision - decimal.decimalPoint, 0))
        }
    }

    /// d.ddddde±dd
    static func formatE(_ decimal: GoDecimal, precision: Int) -> String {
        var out = String(decimal.digits.isEmpty ? "0" : decimal.digit(0))
        if precision > 0 {
            out += "."
            for index in 1...precision { out.append(decimal.digit(index)) }
        }
        var exponent = decimal.digits.isEmpty ? 0 : decimal.decimalPoint - 1
        out += "e"
        if exponent < 0 { out += "-"; exponent = -exponent } else { out += "+" }
        out += exponent < 10 ? "0\(exponent)" : "\(exponent)"
        return out
    }

    /// ddd.ddd
    static func formatF(_ decimal: GoDecimal, precision: Int) -> String {
        var out = ""
        if decimal.decimalPoint > 0 {
            for index in 0..<decimal.decimalPoint { out.append(decimal.digit(index)) }
        } else {
            out = "0"
        }
        if precision > 0 {
            out += "."
            for index in 0..<precision {
                out.append(decimal.digit(decimal.decimalPoint + index))
            }
        }
        return out
    }

    /// Go's 'x' format (`%x` of a float): `-0x1.yyyyp±dd`, shortest hex digits for precision -1,
    /// else rounded to `precision` hex digits (`strconv/ftoa.go` fmtX).
    static func hex(_ value: Double, precision: Int, upper: Bool) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        var mantissa = value.significandBitPattern
        var exponent = Int(value.exponentBitPattern)
        if exponent == 0 { exponent += 1 } else { mantissa |= 1 << 52 }
        exponent -= 1023
        if mantissa == 0 { exponent = 0 }
        mantissa <<= 60 - 52
        while mantissa != 0 && mantissa & (1 << 60) == 0 { mantissa <<= 1; exponent -= 1 }
        if precision >= 0 && precision < 15 {
            let shift = UInt64(precision * 4)
            let extra = (mantissa << shift) & ((1 << 60) - 1)
            mantissa >>= 60 - shift
            if extra | (mantissa & 1) > 1 << 59 { mantissa += 1 }
            mantissa <<= 60 - shift
            if mantissa & (1 << 61) != 0 { mantissa >>= 1; exponent += 1 }
        }
        let digits = Array(upper ? "0123456789ABCDEF" : "0123456789abcdef")
        var out = value.sign == .minus ? "-" : ""
        out += upper ? "0X" : "0x"
        out.append(digits[Int((mantissa >> 60) & 1)])
        mantissa <<= 4
        if precision < 0 && mantissa != 0 {
            out += "."
            while mantissa != 0 { out.append(digits[Int((mantissa >> 60) & 15)]); mantissa <<= 4 }
        } else if precision > 0 {
            out += "."
            for _ in 0..<precision { out.append(digits[Int((mantissa >> 60) & 15)]); mantissa <<= 4 }
        }
        out += upper ? "P" : "p"
        if exponent < 0 { out += "-"; exponent = -exponent } else { out += "+" }
        out += exponent < 10 ? "0\(exponent)" : "\(exponent)"
        return out
    }
}
