// Reads the Prometheus text exposition format 0.0.4.
//
// It reads what our encoder writes and what real servers send (node_exporter, blackbox_exporter,
// cloudflared, Prometheus itself), and it is fed untrusted bytes: cloudflared's /metrics and SSH
// command output. So it works on UTF-8 bytes with explicit bounds, never traps, and reports every
// problem as a line number plus a sentence.

/// A syntax error in an exposition, with the 1-based line it was found on.
public struct ExpositionParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// What is wrong, as a sentence fragment (`invalid metric name "1x"`).
    public var message: String

    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}

/// Parser for the Prometheus text exposition format 0.0.4.
///
/// Accepted beyond the strict grammar, because real servers send it: blank lines; spaces and tabs
/// around every token (also before `{` and around `=` and `,`); `\r\n` line endings; a trailing
/// comma in a label set; comments of any kind; `# HELP name` without text; `# HELP`/`# TYPE`
/// with nothing after them (a plain comment); timestamps with a sign; values in Go's
/// `strconv.ParseFloat` decimal syntax including `Inf`, `+Inf`, `-Inf`, `Infinity` (any case)
/// and `NaN` (any case); values too large for a Double become ±Inf. `# EOF` ends the input.
///
/// HELP text: `\\` and `\n` are unescaped and any other backslash is kept as written, as
/// Prometheus's own scraper does (a wrong HELP must not fail a scrape). Label values are strict:
/// only `\\`, `\"` and `\n` are valid escapes.
///
/// Grouping: a sample belongs to the family of its exact name if that family exists (declared by
/// HELP/TYPE or created by an earlier sample); otherwise `x_bucket`, `x_sum`, `x_count` belong to
/// `x` when `x` was declared a histogram, and `x_sum`, `x_count` when it was declared a summary;
/// otherwise the sample starts its own untyped family. Samples of one family need not be
/// contiguous. Families are returned in the order they were first seen.
public enum ExpositionParser {
    /// Parses an exposition.
    ///
    /// - Throws: ``ExpositionParseError`` for the first problem found: invalid metric or label
    ///   name, unterminated label value, invalid escape, duplicate label name, missing or
    ///   unparseable value, unparseable timestamp, text after the timestamp, a second HELP or TYPE
    ///   for a family, a TYPE after the family's samples, or an unknown type.
    public static func parse(_ text: String) throws(ExpositionParseError) -> [MetricFamily] {
        var text = text
        let result: Result<[MetricFamily], ExpositionParseError> = text.withUTF8 { bytes in
            var parser = Parser(bytes: bytes)
            return Result { () throws(ExpositionParseError) in try parser.run() }
        }
        return try result.get()
    }

    /// Parses a float in Go's `strconv.ParseFloat` decimal syntax (no hex, no underscores):
    /// `[+-]digits[.digits][(e|E)[+-]digits]`, `.5`, `5.`, `[+-]Inf`, `[+-]Infinity`, `NaN`
    /// (special words in any case, NaN without sign). Returns nil for anything else.
    static func parseFloat(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parseFloat($0) }
    }

    static func parseFloat(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = s.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "+") || s[0] == UInt8(ascii: "-") {
            negative = s[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < n else { return nil }

        let first = s[i] | 0x20  // ASCII lower case for letters
        if first == UInt8(ascii: "i") || first == UInt8(ascii: "n") {
            let word = UnsafeBufferPointer(rebasing: s[i...])
            if asciiEqualsIgnoringCase(word, "inf") || asciiEqualsIgnoringCase(word, "infinity") {
                return negative ? -.infinity : .infinity
            }
            // Go accepts no sign on NaN.
            if i == 0 && asciiEqualsIgnoringCase(word, "nan") { return .nan }
            return nil
        }

        var digits = 0
        var integerValue: Int64 = 0
        var simple = true  // only digits: the value is exact as an integer
        while i < n, let d = digit(s[i]) {
            if digits < 18 { integerValue = integerValue &* 10 &+ Int64(d) }
            digits += 1
            i += 1
        }
        if i < n && s[i] == UInt8(ascii: ".") {
            simple = false
            i += 1
            while i < n, digit(s[i]) != nil {
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < n && (s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E")) {
            simple = false
            i += 1
            if i < n && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
            var exponentDigits = 0
            while i < n, digit(s[i]) != nil {
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == n else { return nil }

        // Integers of up to 15 digits are exact in a Double: skip the general conversion.
        if simple && digits <= 15 {
            let value = Double(integerValue)
            return negative ? -value : value
        }
        // The syntax is validated, so this only converts. It rounds correctly and gives ±Inf on
        // overflow and 0 on underflow.
        return Double(String(decoding: s, as: UTF8.self))
    }

    /// Parses a base-10 Int64 with an optional sign, as Go's `strconv.ParseInt(s, 10, 64)`.
    static func parseInt64(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = s.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "+") || s[0] == UInt8(ascii: "-") {
            negative = s[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < n else { return nil }
        var value: Int64 = 0
        while i < n {
            guard let d = digit(s[i]) else { return nil }
            // Accumulating negative values directly reaches Int64.min without overflowing.
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative
                ? shifted.subtractingReportingOverflow(Int64(d))
                : shifted.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }

    @inline(__always)
    static func digit(_ b: UInt8) -> UInt8? {
        let d = b &- UInt8(ascii: "0")
        return d <= 9 ? d : nil
    }

    private static func asciiEqualsIgnoringCase(_ s: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard s.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<s.count where s[k] | 0x20 != w[k] {
            return false
        }
        return true
    }
}

// MARK: - The line parser

private enum Byte {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let underscore = UInt8(ascii: "_")
    static let colon = UInt8(ascii: ":")
}

@inline(__always) private func isBlank(_ b: UInt8) -> Bool { b == Byte.space || b == Byte.tab }
@inline(__always) private func isLetter(_ b: UInt8) -> Bool {
    let lower = b | 0x20
    return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
}
@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
/// `[a-zA-Z_:]`
@inline(__always) private func isMetricNameStart(_ b: UInt8) -> Bool { isLetter(b) || b == Byte.underscore || b == Byte.colon }
/// `[a-zA-Z0-9_:]`
@inline(__always) private func isMetricNameChar(_ b: UInt8) -> Bool { isMetricNameStart(b) || isDigit(b) }
/// `[a-zA-Z_]`
@inline(__always) private func isLabelNameStart(_ b: UInt8) -> Bool { isLetter(b) || b == Byte.underscore }
/// `[a-zA-Z0-9_]`
@inline(__always) private func isLabelNameChar(_ b: UInt8) -> Bool { isLabelNameStart(b) || isDigit(b) }

/// One parse over a contiguous UTF-8 buffer. Every index it reads is checked against `end` of the
/// current line, which never exceeds `bytes.count`.
private struct Parser {
    struct FamilyState {
        var family: MetricFamily
        var typeDeclared = false
        var helpDeclared = false
    }

    enum LineOutcome { case next, stop }

    let bytes: UnsafeBufferPointer<UInt8>
    var lineNumber = 0
    var families: [FamilyState] = []
    var familyIndex: [String: Int] = [:]

    /// The previous sample's name and family: consecutive samples mostly share a name, and
    /// reusing the String avoids one allocation and one hash lookup per line. Cleared by every
    /// HELP/TYPE line, the only thing that can change which family a name belongs to.
    var cachedName: (range: Range<Int>, name: String, family: Int)?

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func run() throws(ExpositionParseError) -> [MetricFamily] {
        let count = bytes.count
        var position = 0
        while position < count {
            let start = position
            var end = start
            while end < count && bytes[end] != Byte.newline { end += 1 }
            position = end + 1
            lineNumber += 1
            while end > start && bytes[end - 1] == Byte.carriageReturn { end -= 1 }
            if try parseLine(start, end) == .stop { break }
        }
        return families.map(\.family)
    }

    // MARK: Helpers

    func error(_ message: String) -> ExpositionParseError {
        ExpositionParseError(line: lineNumber, message: message)
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A bounded excerpt for error messages: huge tokens must not make huge messages.
    func snippet(_ range: Range<Int>) -> String {
        let limit = 40
        if range.count <= limit { return string(range) }
        return string(range.lowerBound..<(range.lowerBound + limit)) + "…"
    }

    func skipBlanks(_ i: Int, _ end: Int) -> Int {
        var i = i
        while i < end && isBlank(bytes[i]) { i += 1 }
        return i
    }

    /// The end of the token starting at `i`: the first blank or the end of the line.
    func tokenEnd(_ i: Int, _ end: Int) -> Int {
        var i = i
        while i < end && !isBlank(bytes[i]) { i += 1 }
        return i
    }

    func matches(_ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<range.count where bytes[range.lowerBound + k] != w[k] {
            return false
        }
        return true
    }

    func bytesEqual(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where bytes[a.lowerBound + k] != bytes[b.lowerBound + k] {
            return false
        }
        return true
    }

    /// Length of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
    func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }

    mutating func createFamily(_ name: String) -> Int {
        let index = families.count
        families.append(FamilyState(family: MetricFamily(name: name, type: .untyped)))
        familyIndex[name] = index
        return index
    }

    // MARK: Lines

    mutating func parseLine(_ start: Int, _ end: Int) throws(ExpositionParseError) -> LineOutcome {
        let i = skipBlanks(start, end)
        if i == end { return .next }
        if bytes[i] == Byte.hash { return try parseComment(i + 1, end) }
        try parseSample(i, end)
        return .next
    }

    /// `# HELP name text`, `# TYPE name type`, `# EOF` or any other comment.
    mutating func parseComment(_ start: Int, _ end: Int) throws(ExpositionParseError) -> LineOutcome {
        let wordStart = skipBlanks(start, end)
        let wordEnd = tokenEnd(wordStart, end)
        let word = wordStart..<wordEnd
        if matches(word, "EOF") && skipBlanks(wordEnd, end) == end { return .stop }
        let isHelp = matches(word, "HELP")
        guard isHelp || matches(word, "TYPE") else { return .next }
        let kind = isHelp ? "HELP" : "TYPE"

        let nameStart = skipBlanks(wordEnd, end)
        if nameStart == end { return .next }  // a bare "# HELP" is only a comment
        var nameEnd = nameStart
        if isMetricNameStart(bytes[nameStart]) {
            nameEnd += 1
            while nameEnd < end && isMetricNameChar(bytes[nameEnd]) { nameEnd += 1 }
        }
        if nameEnd == nameStart || (nameEnd < end && !isBlank(bytes[nameEnd])) {
            throw error("invalid metric name \"\(snippet(nameStart..<tokenEnd(nameStart, end)))\" in \(kind) line")
        }
        let name = string(nameStart..<nameEnd)
        cachedName = nil

        if isHelp {
            let help = unescapeHelp(skipBlanks(nameEnd, end), end)
            let f = familyIndex[name] ?? createFamily(name)
            if families[f].helpDeclared { throw error("second HELP line for metric \"\(name)\"") }
            families[f].helpDeclared = true
            families[f].family.help = help
            return .next
        }

        let typeStart = skipBlanks(nameEnd, end)
        let typeEnd = tokenEnd(typeStart, end)
        if typeStart == typeEnd { throw error("missing metric type for metric \"\(name)\"") }
        let type: MetricType
        if matches(typeStart..<typeEnd, "counter") {
            type = .counter
        } else if matches(typeStart..<typeEnd, "gauge") {
            type = .gauge
        } else if matches(typeStart..<typeEnd, "histogram") {
            type = .histogram
        } else if matches(typeStart..<typeEnd, "summary") {
            type = .summary
        } else if matches(typeStart..<typeEnd, "untyped") {
            type = .untyped
        } else {
            throw error("unknown metric type \"\(snippet(typeStart..<typeEnd))\" for metric \"\(name)\"")
        }
        let rest = skipBlanks(typeEnd, end)
        if rest != end { throw error("unexpected text \"\(snippet(rest..<end))\" after metric type") }

        let f = familyIndex[name] ?? createFamily(name)
        if families[f].typeDeclared { throw error("second TYPE line for metric \"\(name)\"") }
        if !families[f].family.samples.isEmpty { throw error("TYPE line for metric \"\(name)\" after its samples") }
        families[f].typeDeclared = true
        families[f].family.type = type
        return .next
    }

    /// HELP text: `\\` → `\`, `\n` → newline, any other backslash kept as written.
    func unescapeHelp(_ start: Int, _ end: Int) -> String {
        var i = start
        while i < end && bytes[i] != Byte.backslash { i += 1 }
        if i == end { return string(start..<end) }

        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < end {
            let b = bytes[i]
            if b == Byte.backslash && i + 1 < end {
                let next = bytes[i + 1]
                if next == Byte.backslash {
                    out.append(Byte.backslash)
                    i += 2
                    continue
                }
                if next == UInt8(ascii: "n") {
                    out.append(Byte.newline)
                    i += 2
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name [{labels}] value [timestamp]`
    mutating func parseSample(_ start: Int, _ end: Int) throws(ExpositionParseError) {
        var nameEnd = start
        if isMetricNameStart(bytes[start]) {
            nameEnd += 1
            while nameEnd < end && isMetricNameChar(bytes[nameEnd]) { nameEnd += 1 }
        }
        if nameEnd == start || (nameEnd < end && !isBlank(bytes[nameEnd]) && bytes[nameEnd] != Byte.openBrace) {
            // Quote the token up to a blank or brace (`foo-bar` of `foo-bar{...}`), or up to a
            // blank when that is empty (`{a="b"}`).
            var tokenStop = start
            while tokenStop < end && !isBlank(bytes[tokenStop]) && bytes[tokenStop] != Byte.openBrace { tokenStop += 1 }
            if tokenStop == start { tokenStop = tokenEnd(start, end) }
            throw error("invalid metric name \"\(snippet(start..<tokenStop))\"")
        }
        let nameRange = start..<nameEnd

        var i = skipBlanks(nameEnd, end)
        var labels: [String: String] = [:]
        if i < end && bytes[i] == Byte.openBrace {
            i = try parseLabels(i + 1, end, into: &labels)
            i = skipBlanks(i, end)
        }
        if i == end { throw error("missing value for metric \"\(snippet(nameRange))\"") }

        let valueEnd = tokenEnd(i, end)
        guard let value = ExpositionParser.parseFloat(UnsafeBufferPointer(rebasing: bytes[i..<valueEnd])) else {
            throw error("invalid value \"\(snippet(i..<valueEnd))\" for metric \"\(snippet(nameRange))\"")
        }
        i = skipBlanks(valueEnd, end)
        var timestamp: Int64?
        if i < end {
            let timestampEnd = tokenEnd(i, end)
            guard let t = ExpositionParser.parseInt64(UnsafeBufferPointer(rebasing: bytes[i..<timestampEnd])) else {
                throw error("invalid timestamp \"\(snippet(i..<timestampEnd))\" for metric \"\(snippet(nameRange))\"")
            }
            timestamp = t
            i = skipBlanks(timestampEnd, end)
            if i < end { throw error("unexpected text \"\(snippet(i..<end))\" after timestamp") }
        }

        let (name, f) = resolveFamily(nameRange)
        families[f].family.samples.append(Sample(name: name, labels: labels, value: value, timestamp: timestamp))
    }

    /// Finds (or creates) the family a sample name belongs to; see ``ExpositionParser`` for the rule.
    mutating func resolveFamily(_ range: Range<Int>) -> (String, Int) {
        if let cached = cachedName, bytesEqual(cached.range, range) {
            cachedName = (range, cached.name, cached.family)
            return (cached.name, cached.family)
        }
        let name = string(range)
        let f = familyIndex[name] ?? suffixFamily(range) ?? createFamily(name)
        cachedName = (range, name, f)
        return (name, f)
    }

    /// The declared histogram or summary family that `x_bucket` / `x_sum` / `x_count` belongs to.
    func suffixFamily(_ range: Range<Int>) -> Int? {
        let candidates: [(StaticString, Bool)] = [("_bucket", false), ("_sum", true), ("_count", true)]
        for (suffix, summaryToo) in candidates {
            let length = suffix.utf8CodeUnitCount
            guard range.count > length, matches((range.upperBound - length)..<range.upperBound, suffix) else { continue }
            guard let base = familyIndex[string(range.lowerBound..<(range.upperBound - length))] else { return nil }
            let type = families[base].family.type
            if type == .histogram || (summaryToo && type == .summary) { return base }
            return nil
        }
        return nil
    }

    /// Parses `name="value", …}` after the opening brace; returns the index after the closing brace.
    func parseLabels(_ start: Int, _ end: Int, into labels: inout [String: String]) throws(ExpositionParseError) -> Int {
        var i = start
        while true {
            i = skipBlanks(i, end)
            if i == end { throw error("expected label name or '}', found end of line") }
            let b = bytes[i]
            if b == Byte.closeBrace { return i + 1 }
            if b == Byte.comma || b == Byte.equals || b == Byte.quote {
                throw error("expected label name or '}', found '\(Character(Unicode.Scalar(b)))'")
            }

            let nameStart = i
            var nameEnd = i
            if isLabelNameStart(b) {
                nameEnd += 1
                while nameEnd < end && isLabelNameChar(bytes[nameEnd]) { nameEnd += 1 }
            }
            // The name ends at a blank or a delimiter; anything else glued to it (`a-b`, `a.b`)
            // makes the whole token an invalid name. A missing `=` is reported below.
            func isDelimiter(_ c: UInt8) -> Bool {
                isBlank(c) || c == Byte.equals || c == Byte.comma || c == Byte.closeBrace || c == Byte.quote
            }
            if nameEnd == nameStart || (nameEnd < end && !isDelimiter(bytes[nameEnd])) {
                var tokenStop = nameStart
                while tokenStop < end && !isDelimiter(bytes[tokenStop]) { tokenStop += 1 }
                throw error("invalid label name \"\(snippet(nameStart..<tokenStop))\"")
            }
            let name = string(nameStart..<nameEnd)

            i = skipBlanks(nameEnd, end)
            guard i < end && bytes[i] == Byte.equals else { throw error("expected '=' after label name \"\(name)\"") }
            i = skipBlanks(i + 1, end)
            guard i < end && bytes[i] == Byte.quote else { throw error("expected '\"' to start the value of label \"\(name)\"") }
            i += 1

            // The value: copied in one piece unless it holds escapes.
            var segmentStart = i
            var unescaped: [UInt8]?
            while true {
                if i >= end { throw error("unterminated value for label \"\(name)\"") }
                let c = bytes[i]
                if c == Byte.quote { break }
                if c != Byte.backslash {
                    i += 1
                    continue
                }
                if i + 1 >= end { throw error("unterminated value for label \"\(name)\"") }
                let replacement: UInt8
                switch bytes[i + 1] {
                case Byte.backslash: replacement = Byte.backslash
                case Byte.quote: replacement = Byte.quote
                case UInt8(ascii: "n"): replacement = Byte.newline
                default:
                    let escapedEnd = min(i + 1 + scalarLength(bytes[i + 1]), end)
                    throw error("invalid escape sequence \"\\\(string((i + 1)..<escapedEnd))\" in the value of label \"\(name)\"")
                }
                if unescaped == nil { unescaped = [] }
                unescaped!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]))
                unescaped!.append(replacement)
                i += 2
                segmentStart = i
            }
            let value: String
            if var pieces = unescaped {
                pieces.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]))
                value = String(decoding: pieces, as: UTF8.self)
            } else {
                value = string(segmentStart..<i)
            }
            i += 1  // closing quote

            if labels.updateValue(value, forKey: name) != nil { throw error("duplicate label name \"\(name)\"") }

            i = skipBlanks(i, end)
            if i < end && bytes[i] == Byte.comma {
                i += 1
                continue
            }
            if i < end && bytes[i] == Byte.closeBrace { return i + 1 }
            throw error("expected ',' or '}' after the value of label \"\(name)\"")
        }
    }
}
