#if canImport(Glibc)
import Glibc
#endif

/// Shell-style file globbing with `glob(3)` (the same `*`, `?`, `[…]` as Go's `filepath.Glob`,
/// which Prometheus uses for `rule_files`).
enum FileGlob {
    /// The sorted paths matching `pattern`; empty when nothing matches; nil for a malformed pattern.
    static func matches(_ pattern: String) -> [String]? {
        guard isWellFormed(pattern) else { return nil }
        var result = glob_t()
        defer { globfree(&result) }
        // GLOB_PERIOD: Go's `*` matches a leading dot too (`rules/*.yml` finds `.x.yml`).
        let status = glob(pattern, GLOB_PERIOD, nil, &result)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else { return nil }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }

    /// Go's `filepath.Match` refuses an unclosed `[` class or a trailing backslash
    /// (`ErrBadPattern`); glob(3) would read them literally.
    static func isWellFormed(_ pattern: String) -> Bool {
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\\":
                guard characters.next() != nil else { return false }
            case "[":
                var closed = false
                var first = true
                while let inner = characters.next() {
                    if inner == "]" && !first { closed = true; break }
                    if inner == "\\" { guard characters.next() != nil else { return false } }
                    first = false
                }
                if !closed { return false }
            default:
                continue
            }
        }
        return true
    }
}
