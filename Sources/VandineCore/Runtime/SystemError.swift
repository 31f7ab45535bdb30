#if canImport(Glibc)
import Glibc
#endif

/// `strerror` text as our one-line reasons spell it, with a lower-case first letter:
/// `ECONNREFUSED` → "connection refused".
public func systemErrorMessage(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
}
