/// One point of an input series, one per `interval`.
public enum SeriesPoint: Sendable, Equatable {
    /// A sample with this value (may be ±Inf or NaN).
    case value(Double)
    /// `_`: no sample at this step.
    case omitted
    /// `stale`: a staleness marker (the series ends here until its next sample).
    case stale

    public static func == (lhs: SeriesPoint, rhs: SeriesPoint) -> Bool {
        switch (lhs, rhs) {
        case let (.value(a), .value(b)): a.bitPattern == b.bitPattern || (a == b)
        case (.omitted, .omitted), (.stale, .stale): true
        default: false
        }
    }
}

/// A `values:` string that is not valid expanding notation; `column` is 1-based within the string.
public struct SeriesValuesError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "character \(column): \(message)" }
}

/// The expanding notation of `input_series[].values` (Prometheus's series-description grammar,
/// `promql/parser/generated_parser.y`, checked against promtool 2.42):
///
/// - `a` — one sample; numbers as Go writes them (`1`, `-2.5`, `1e3`, `.5`), `Inf`, `+Inf`,
///   `-Inf`, `NaN` (any case).
/// - `axN` — N+1 samples of `a`.
/// - `a+bxN`, `a-bxN` — N+1 samples a, a+b, … a+N·b, by repeated addition as Go does (so
///   `0.1+0.1x2` gives 0.1, 0.2, 0.30000000000000004). The sign must touch `a`: `1 +2` is two samples.
/// - `_` — one missing step; `_xN` — N missing steps (not N+1).
/// - `stale` — a staleness marker (`stalexN` is an error, as in promtool).
public enum SeriesValues {
    /// Expands `text` into points; throws a ``SeriesValuesError`` naming the first bad character.
    public static func expand(_ text: String) throws(SeriesValuesError) -> [SeriesPoint] {
        var scanner = Scanner(Array(text.unicodeScalars))
        var points: [SeriesPoint] = []
        while true {
            scanner.skipBlanks()
            guard let first = scanner.peek else { return points }
            let start = scanner.position
            if first == "_" {
                scanner.advance()
                let count = try scanner.repetition(required: false) ?? 1
                points += Array(repeating: .omitted, count: count)
            } else if first.properties.isAlphabetic && !scanner.startsWithSpecialNumber {
                let word = scanner.word()
                guard word == "stale" else {
                    throw SeriesValuesError(column: start + 1, message: "unexpected \"\(word)\", expected a number, \"_\" or \"stale\"")
                }
                try scanner.expectSeparator()
                points.append(.stale)
            } else {
                var value = try scanner.number()
                if let sign = scanner.peek, sign == "+" || sign == "-" {
                    let step = try scanner.number()
                    let count = try scanner.repetition(required: true) ?? 0
                    points.append(.value(value))
                    for _ in 0..<count {
                        value += step
                        points.append(.value(value))
                    }
                } else {
                    let count = try scanner.repetition(required: false) ?? 0
                    points += Array(repeating: .value(value), count: count + 1)
                }
            }
        }
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
        mutating func advance() { position += 1 }

        mutating func skipBlanks() {
            while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
        }

        /// `Inf` and `NaN` start with letters but are numbers.
        var startsWithSpecialNumber: Bool {
            let rest = String(String.UnicodeScalarView(scalars[position...].prefix(3))).lowercased()
            return rest == "inf" || rest == "nan"
        }

        mutating func word() -> String {
            var text = ""
            while let scalar = peek, scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar) {
                text.unicodeScalars.append(scalar)
                advance()
            }
            return text
        }

        func error(_ message: String) -> SeriesValuesError {
            SeriesValuesError(column: position + 1, message: message)
        }

        /// What may follow a complete item: a blank or the end.
        mutating func expectSeparator() throws(SeriesValuesError) {
            guard let scalar = peek else { return }
            guard scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" else {
                throw error("unexpected \"\(scalar)\"")
            }
        }

        /// `xN` after an item: N, or nil when there is none (an error when `required`).
        mutating func repetition(required: Bool) throws(SeriesValuesError) -> Int? {
            guard peek == "x" else {
                if required { throw error(peek == nil ? "unexpected end of input, expected \"x\" and a count" : "expected \"x\" and a count, got \"\(peek!)\"") }
                try expectSeparator()
                return nil
            }
            advance()
            var digits = ""
            while let scalar = peek, ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                advance()
            }
            guard !digits.isEmpty else {
                throw error(peek == nil ? "unexpected end of input, expected a count after \"x\"" : "expected a count after \"x\", got \"\(peek!)\"")
            }
            guard let count = Int(digits), count <= 10_000_000 else { throw error("count \(digits) is too large") }
            try expectSeparator()
            return count
        }

        /// A number with an optional sign: decimal (`1`, `2.5`, `.5`, `1e-3`), `Inf` or `NaN`.
        mutating func number() throws(SeriesValuesError) -> Double {
            let start = position
            var text = ""
            if let sign = peek, sign == "+" || sign == "-" {
                text.unicodeScalars.append(sign)
                advance()
            }
            if startsWithSpecialNumber {
                let word = String(String.UnicodeScalarView(scalars[position..<position + 3])).lowercased()
                position += 3
                if let next = peek, next.properties.isAlphabetic || ("0"..."9").contains(next) {
                    position = start
                    let word = self.word()
                    throw SeriesValuesError(column: start + 1, message: "unexpected \"\(word)\", expected a number, \"_\" or \"stale\"")
                }
                let magnitude = word == "inf" ? Double.infinity : Double.nan
                return text == "-" ? -magnitude : magnitude
            }
            var digits = 0
            while let scalar = peek, ("0"..."9").contains(scalar) { text.unicodeScalars.append(scalar); advance(); digits += 1 }
            if peek == "." {
                text.unicodeScalars.append("."); advance()
                while let scalar = peek, ("0"..."9").contains(scalar) { text.unicodeScalars.append(scalar); advance(); digits += 1 }
            }
            guard digits > 0 else {
                throw error(peek == nil ? "unexpected end of input, expected a number" : "unexpected \"\(peek!)\", expected a number")
            }
            if let e = peek, e == "e" || e == "E" {
                text.unicodeScalars.append(e); advance()
                if let sign = peek, sign == "+" || sign == "-" { text.unicodeScalars.append(sign); advance() }
                var exponentDigits = 0
                while let scalar = peek, ("0"..."9").contains(scalar) { text.unicodeScalars.append(scalar); advance(); exponentDigits += 1 }
                guard exponentDigits > 0 else { throw error("bad number \"\(text)\"") }
            }
            guard let value = Double(text) else { throw SeriesValuesError(column: start + 1, message: "bad number \"\(text)\"") }
            return value
        }
    }
}
