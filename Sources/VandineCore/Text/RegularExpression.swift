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

    /// Compiles `pattern`; nil when it is not a valid extended regular expression.
    public init?(_ pattern: String) {
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

    public static func == (lhs: RegularExpression, rhs: RegularExpression) -> Bool {
        lhs.pattern == rhs.pattern
    }
}
