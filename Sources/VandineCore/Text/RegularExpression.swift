#if canImport(Glibc)
import Glibc
#endif

/// A POSIX extended regular expression, compiled once by glibc's `regcomp` when the config loads.
/// (Swift's `Regex` would link its whole parser into every daemon; banners need no more than ERE.)
///
/// `@unchecked Sendable`: the compiled pattern is never mutated after `init`, and glibc's
/// `regexec` may be called concurrently on one pattern.
public final class RegularExpression: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the config.
    public let pattern: String
    private let compiled: UnsafeMutablePointer<regex_t>

    /// Longest pattern accepted: banners are short, and glibc's compile time grows with length.
    public static let maximumLength = 1024
    /// Bound on how many times repetition may copy a pattern's syntax tree (see `tooComplex`).
    public static let maximumExpansion = 10_000

    /// Compiles `pattern`; nil when it is not a valid extended regular expression or is too
    /// complex to compile safely (`problem(with:)` says why).
    public init?(_ pattern: String) {
        guard Self.problem(with: pattern) == nil else { return nil }
        compiled = .allocate(capacity: 1)
        guard regcomp(compiled, pattern, REG_EXTENDED | REG_NOSUB) == 0 else {
            compiled.deallocate()
            return nil
        }
        self.pattern = pattern
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// True when the pattern matches somewhere in `text` (anchor with `^`/`$` for more).
    public func matches(_ text: String) -> Bool {
        regexec(compiled, text, 0, nil, 0) == 0
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
