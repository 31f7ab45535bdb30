#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout and stderr (what Go's `fmt.Print*` does), so the two streams of
/// `test rules` interleave on a terminal in the order they were written, as promtool's do.
enum ConsoleOutput {
    static func standardOutput(_ text: String) { write(to: 1, text) }
    static func standardError(_ text: String) { write(to: 2, text) }

    private static func write(to descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
