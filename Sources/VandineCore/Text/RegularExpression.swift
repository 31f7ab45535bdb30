#if canImport(Glibc)
import Glibc
#endif

/// Why a pattern could not be compiled: the size/complexity check or glibc's `regerror` text.
public struct RegularExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// A regular expression in Go RE2 syntax (as blackbox.yml files have them), translated to POSIX
/// extended syntax (``RE2Translation``) and compiled once by glibc's `regcomp` when the config
/// loads. (Swift's `Regex` would link its whole parser into every daemon, and it backtracks.)
///
/// Two compiled forms: `^.*(P)` without submatches answers "does it match anywhere" in linear time
/// — glibc retries an unanchored `P` at every position, which made `foo.*bar` take 5 s on a 90 KB
/// body and would take hours on a 16 MiB one; anchored, 15 MB takes 33 ms — and `P` itself gives
/// the groups, only once a match is known to exist. Text is passed with `REG_STARTEND`, so a NUL
/// byte in a body or line does not end the subject.
///
/// `@unchecked Sendable`: the compiled patterns are never mutated after `init`, and glibc's
/// `regexec` may be called concurrently on one pattern.
public final class RegularExpression: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the config.
    public let pattern: String
    /// `^.*(P)`, `REG_NOSUB`: the linear-time "matches anywhere" test.
    private let search: UnsafeMutablePointer<regex_t>
    /// `P` with submatches, for the groups.
    private let capture: UnsafeMutablePointer<regex_t>
    /// Number of parenthesised groups.
    public let groups: Int
    /// Each group's name by group number (`groupNames[0]` is group 1): `n` for RE2's `(?P<n>…)`
    /// and `(?<n>…)`, nil for unnamed groups (``RE2Translation/Translated/groupNames``).
    public let groupNames: [String?]

    /// Longest pattern accepted: banners are short, and glibc's compile time grows with length.
    public static let maximumLength = 1024
    /// Bound on how many times repetition may copy a pattern's syntax tree (see `tooComplex`).
    public static let maximumExpansion = 10_000

    /// Compiles `pattern`; nil when it is not a valid expression or is too complex to compile
    /// safely (``compile(_:)`` says why).
    public convenience init?(_ pattern: String) {
        guard case let .success(parts) = Self.compileRaw(pattern) else { return nil }
        self.init(pattern: pattern, parts: parts)
    }

    private init(pattern: String, parts: CompiledParts) {
        self.pattern = pattern
        self.search = parts.search
        self.capture = parts.capture
        self.groups = parts.groups
        self.groupNames = parts.names
    }

    private typealias CompiledParts = (search: UnsafeMutablePointer<regex_t>, capture: UnsafeMutablePointer<regex_t>, groups: Int,
                                       names: [String?])

    /// Compiles `pattern`, or says why it cannot: the size/complexity check, the RE2 translation,
    /// or glibc's own `regerror` text (e.g. "Unmatched ( or \\(").
    public static func compile(_ pattern: String) -> Result<RegularExpression, RegularExpressionError> {
        compileRaw(pattern).map { RegularExpression(pattern: pattern, parts: $0) }
    }

    /// Both compiled forms (owned by the caller) and the group count.
    private static func compileRaw(_ pattern: String) -> Result<CompiledParts, RegularExpressionError> {
        if let problem = problem(with: pattern) { return .failure(RegularExpressionError(reason: problem)) }
        let translated: RE2Translation.Translated
        switch RE2Translation.translate(pattern) {
        case let .success(value): translated = value
        case let .failure(error): return .failure(error)
        }
        let flags = REG_EXTENDED | (translated.ignoreCase ? REG_ICASE : 0) | (translated.multiLine ? REG_NEWLINE : 0)
        let capture: UnsafeMutablePointer<regex_t>
        switch regcomp(translated.pattern, flags) {
        case let .success(compiled): capture = compiled
        case let .failure(error): return .failure(error)
        }
        let anchored = translated.pattern.isEmpty ? "^" : "^.*(" + translated.pattern + ")"
        switch regcomp(anchored, flags | REG_NOSUB) {
        case let .success(search):
            return .success((search, capture, Int(capture.pointee.re_nsub), translated.groupNames))
        case let .failure(error):
            regfree(capture)
            capture.deallocate()
            return .failure(error)
        }
    }

    private static func regcomp(_ pattern: String, _ flags: Int32) -> Result<UnsafeMutablePointer<regex_t>, RegularExpressionError> {
        let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let code = Glibc.regcomp(compiled, pattern, flags)
        guard code == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(code, compiled, &buffer, buffer.count)
            compiled.deallocate()
            let reason = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(RegularExpressionError(reason: reason))
        }
        return .success(compiled)
    }

    deinit {
        regfree(search)
        search.deallocate()
        regfree(capture)
        capture.deallocate()
    }

    /// True when the pattern matches somewhere in `text` (anchor with `^`/`$` for more). Linear in
    /// the length of `text`; NUL bytes are ordinary characters.
    public func matches(_ text: String) -> Bool {
        var bytes = Self.subject(text)
        return Self.execute(search, &bytes, into: [regmatch_t](repeating: regmatch_t(), count: 1)) != nil
    }

    /// The whole match and each group (nil for a group that did not take part), or nil when the
    /// pattern does not match. Groups are found only after the linear test said there is a match.
    public func firstMatch(in text: String) -> [String?]? {
        var bytes = Self.subject(text)
        guard Self.execute(search, &bytes, into: [regmatch_t](repeating: regmatch_t(), count: 1)) != nil,
              let found = Self.execute(capture, &bytes, into: [regmatch_t](repeating: regmatch_t(), count: groups + 1))
        else { return nil }
        return found.map { match in
            guard match.rm_so >= 0, match.rm_eo >= match.rm_so, Int(match.rm_eo) <= bytes.count else { return nil }
            return String(decoding: bytes[Int(match.rm_so)..<Int(match.rm_eo)], as: UTF8.self)
        }
    }

    /// Every non-overlapping match in `text`, left to right, at most `limit` of them, each as the
    /// whole match and its groups (nil for a group that did not take part), as Go's
    /// `FindAllStringSubmatch`. An empty match moves the search on by one byte. After the first
    /// match a search starts mid-text, where `^` matches only after a newline in `(?m)` mode.
    /// Nothing is searched unless the linear test finds a match somewhere; a search that fails
    /// after the last match costs at most quadratic time in the rest of the text (linear per line
    /// for a `(?m)` pattern whose `.` stops at newlines).
    public func allMatches(in text: String, limit: Int) -> [[String?]] {
        var bytes = Self.subject(text)
        guard limit > 0, Self.execute(search, &bytes, into: [regmatch_t](repeating: regmatch_t(), count: 1)) != nil else { return [] }
        var found: [[String?]] = []
        var start = 0
        while found.count < limit, start <= bytes.count {
            var slots = [regmatch_t](repeating: regmatch_t(), count: groups + 1)
            slots[0].rm_so = regoff_t(start)
            guard let match = Self.execute(capture, &bytes, into: slots, from: start) else { break }
            found.append(match.map { slot in
                guard slot.rm_so >= 0, slot.rm_eo >= slot.rm_so, Int(slot.rm_eo) <= bytes.count else { return nil }
                return String(decoding: bytes[Int(slot.rm_so)..<Int(slot.rm_eo)], as: UTF8.self)
            })
            let end = Int(match[0].rm_eo)
            start = end > Int(match[0].rm_so) ? end : end + 1
        }
        return found
    }

    /// The bytes regexec sees. glibc's `.` and bracket expressions never match NUL (its POSIX
    /// syntax sets RE_DOT_NOT_NULL) and no pattern can name one, so each NUL becomes 0x01, which
    /// `.` and `[^…]` match as Go's RE2 matches NUL; the groups are read from these bytes.
    static func subject(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] == 0 { bytes[index] = 1 }
        return bytes
    }

    /// `regexec` over exactly `bytes` (`REG_STARTEND`); the filled matches, or nil for no match.
    private static func execute(_ compiled: UnsafeMutablePointer<regex_t>, _ bytes: inout [UInt8],
                                into matches: [regmatch_t], from start: Int = 0) -> [regmatch_t]? {
        var matches = matches
        matches[0].rm_so = regoff_t(start)
        matches[0].rm_eo = regoff_t(bytes.count)
        bytes.append(0)
        defer { bytes.removeLast() }
        let code = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { subject in
                regexec(compiled, subject, matches.count, &matches, REG_STARTEND)
            }
        }
        return code == 0 ? matches : nil
    }

    public var description: String { pattern }

    /// `template` with `$name` / `${name}` replaced as Go's `Regexp.Expand` does it (blackbox's
    /// `query_response` `send`): a name is the longest run of letters, digits and `_`; a number
    /// names a group (out of range: empty), any other name is an unknown named group (empty, since
    /// named groups are plain groups here); `$$` is a `$`; a `$` not followed by a name stays a `$`.
    public static func expand(_ template: String, with match: [String?]) -> String {
        func isNameCharacter(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        var out = ""
        var chars = Substring(template)
        while let character = chars.popFirst() {
            guard character == "$" else { out.append(character); continue }
            if chars.first == "$" { chars.removeFirst(); out.append("$"); continue }
            var name = ""
            if chars.first == "{" {
                let body = chars.dropFirst().prefix(while: isNameCharacter)
                guard !body.isEmpty, chars.dropFirst(body.count + 1).first == "}" else { out.append("$"); continue }
                name = String(body)
                chars = chars.dropFirst(body.count + 2)
            } else {
                name = String(chars.prefix(while: isNameCharacter))
                guard !name.isEmpty else { out.append("$"); continue }
                chars = chars.dropFirst(name.count)
            }
            if let index = Int(name), index < match.count { out += match[index] ?? "" }
        }
        return out
    }

    /// Why `pattern` is refused before glibc sees it, or nil. glibc compiles `x+` as `xx*` and
    /// `x{n,m}` as up to m copies of `x`, so stacked or nested repetition grows the tree
    /// exponentially: fuzzing found a 70-character pattern that took 2.5 GB. The bound multiplies
    /// the copy factor of every repetition in the pattern (nested or not), which over-estimates and
    /// so errs on the safe side: 13 `+` in one pattern are still fine.
    public static func problem(with pattern: String) -> String? {
        guard pattern.utf8.count <= maximumLength else { return "longer than \(maximumLength) bytes" }
        var expansion = 1
        var bytes = pattern.utf8[...]
        var escaped = false
        while let byte = bytes.popFirst() {
            if escaped { escaped = false; continue }
            var factor = 1
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "+"): factor = 2
            case UInt8(ascii: "{"):
                // `{n}`, `{n,}` or `{n,m}`: the largest number bounds the copies (`{n,}` adds one).
                let body = bytes.prefix { $0 != UInt8(ascii: "}") }
                let numbers = body.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                    .map { Int(String(decoding: $0, as: UTF8.self)) ?? 0 }
                factor = (numbers.max() ?? 0) + 1
            default: break
            }
            expansion = expansion.multipliedReportingOverflow(by: max(factor, 1)).partialValue
            if expansion > maximumExpansion || expansion <= 0 {
                return "too complex (its repetitions would expand it more than \(maximumExpansion) times)"
            }
        }
        return nil
    }

    public static func == (lhs: RegularExpression, rhs: RegularExpression) -> Bool {
        lhs.pattern == rhs.pattern
    }
}
