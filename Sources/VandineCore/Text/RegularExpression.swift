#if canImport(Glibc)
import Glibc
#endif

/// Why a pattern could not be compiled: the size/complexity check or glibc's `regerror` text.
public struct RegularExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// A POSIX extended regular expression, compiled once by glibc's `regcomp` when the config loads.
/// (Swift's `Regex` would link its whole parser into every daemon; banners need no more than ERE.)
///
/// `@unchecked Sendable`: the compiled pattern is never mutated after `init`, and glibc's
/// `regexec` may be called concurrently on one pattern.
public final class RegularExpression: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the config.
    public let pattern: String
    private let compiled: UnsafeMutablePointer<regex_t>
    /// Number of parenthesised groups.
    public let groups: Int

    /// Longest pattern accepted: banners are short, and glibc's compile time grows with length.
    public static let maximumLength = 1024
    /// Bound on how many times repetition may copy a pattern's syntax tree (see `tooComplex`).
    public static let maximumExpansion = 10_000

    /// Compiles `pattern`; nil when it is not a valid extended regular expression or is too
    /// complex to compile safely (``compile(_:)`` says why).
    public convenience init?(_ pattern: String) {
        guard case let .success((compiled, groups)) = Self.compileRaw(pattern) else { return nil }
        self.init(pattern: pattern, compiled: compiled, groups: groups)
    }

    private init(pattern: String, compiled: UnsafeMutablePointer<regex_t>, groups: Int) {
        self.pattern = pattern
        self.compiled = compiled
        self.groups = groups
    }

    /// Compiles `pattern`, or says why it cannot: the size/complexity check, or glibc's own
    /// `regerror` text (e.g. "Unmatched ( or \\(").
    ///
    /// The pattern is Go RE2 syntax, as in blackbox.yml files, translated to POSIX extended syntax
    /// first (``RE2Translation``, which lists what differs); plain POSIX ERE passes through.
    public static func compile(_ pattern: String) -> Result<RegularExpression, RegularExpressionError> {
        compileRaw(pattern).map { RegularExpression(pattern: pattern, compiled: $0.0, groups: $0.1) }
    }

    /// The compiled pattern (owned by the caller) and its group count.
    private static func compileRaw(_ pattern: String) -> Result<(UnsafeMutablePointer<regex_t>, Int), RegularExpressionError> {
        if let problem = problem(with: pattern) { return .failure(RegularExpressionError(reason: problem)) }
        let translated: RE2Translation.Translated
        switch RE2Translation.translate(pattern) {
        case let .success(value): translated = value
        case let .failure(error): return .failure(error)
        }
        let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let flags = REG_EXTENDED | (translated.ignoreCase ? REG_ICASE : 0) | (translated.multiLine ? REG_NEWLINE : 0)
        let code = regcomp(compiled, translated.pattern, flags)
        guard code == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(code, compiled, &buffer, buffer.count)
            compiled.deallocate()
            let reason = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(RegularExpressionError(reason: reason))
        }
        return .success((compiled, Int(compiled.pointee.re_nsub)))
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// True when the pattern matches somewhere in `text` (anchor with `^`/`$` for more).
    public func matches(_ text: String) -> Bool {
        regexec(compiled, text, 0, nil, 0) == 0
    }

    /// The whole match and each group (nil for a group that did not take part), or nil when the
    /// pattern does not match. Offsets are bytes; `text` must not contain NUL (C strings end there).
    public func firstMatch(in text: String) -> [String?]? {
        var matches = [regmatch_t](repeating: regmatch_t(), count: groups + 1)
        guard regexec(compiled, text, matches.count, &matches, 0) == 0 else { return nil }
        let bytes = Array(text.utf8)
        return matches.map { match in
            guard match.rm_so >= 0, match.rm_eo >= match.rm_so, Int(match.rm_eo) <= bytes.count else { return nil }
            return String(decoding: bytes[Int(match.rm_so)..<Int(match.rm_eo)], as: UTF8.self)
        }
    }

    /// `template` with `${N}` and `$N` replaced by group N of `match` (Go's `Regexp.Expand`, as
    /// blackbox_exporter's `query_response` `send` uses it); `$$` is a literal `$`.
    public static func expand(_ template: String, with match: [String?]) -> String {
        var out = ""
        var chars = Substring(template)
        while let character = chars.popFirst() {
            guard character == "$" else { out.append(character); continue }
            if chars.first == "$" { chars.removeFirst(); out.append("$"); continue }
            var digits = ""
            if chars.first == "{" {
                let body = chars.dropFirst().prefix { $0 != "}" }
                if body.allSatisfy(\.isASCII) && body.allSatisfy({ $0.isNumber }) && !body.isEmpty,
                   chars.dropFirst(body.count + 1).first == "}" {
                    digits = String(body)
                    chars = chars.dropFirst(body.count + 2)
                }
            } else {
                digits = String(chars.prefix { $0.isASCII && $0.isNumber })
                chars = chars.dropFirst(digits.count)
            }
            if let index = Int(digits), index < match.count { out += match[index] ?? "" }
        }
        return out
    }

    public var description: String { pattern }

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
