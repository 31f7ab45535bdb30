#if canImport(Glibc)
import Glibc
#endif

/// Shell-style file globbing with `glob(3)` (the same `*`, `?`, `[…]` as Go's `filepath.Glob`,
/// which Prometheus uses for `rule_files`).
enum FileGlob {
    /// The sorted paths matching `pattern`; empty when nothing matches; nil for a malformed pattern.
    static func matches(_ pattern: String) -> [String]? {
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, 0, nil, &result)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else { return nil }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }
}
