#if canImport(Glibc)
import Glibc
#endif

/// The few text helpers the project needs, so it can use FoundationEssentials instead of full
/// Foundation (which brings ICU: megabytes of resident memory in every daemon).
extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    public func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }

    /// The part after the last `/` (the whole string when there is none).
    public var lastPathComponent: String {
        guard let slash = lastIndex(of: "/") else { return String(self) }
        return String(self[index(after: slash)...])
    }

    /// The part before the last `/` (empty when there is none, `/` for a file in the root).
    public var deletingLastPathComponent: String {
        guard let slash = lastIndex(of: "/") else { return "" }
        return slash == startIndex ? "/" : String(self[..<slash])
    }

    /// Percent-encodes everything but ASCII letters and digits (for query parameters).
    public var percentEncoded: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// The parts before and after the first occurrence of `separator`, or nil when it does not occur.
    public func splitOnce(_ separator: String) -> (before: Substring, after: Substring)? {
        let haystack = Substring(self), needle = Array(separator.utf8)
        guard !needle.isEmpty else { return nil }
        var index = haystack.utf8.startIndex
        while index < haystack.utf8.endIndex {
            if haystack.utf8[index...].starts(with: needle) {
                let after = haystack.utf8.index(index, offsetBy: needle.count)
                return (Substring(haystack.utf8[..<index]), Substring(haystack.utf8[after...]))
            }
            index = haystack.utf8.index(after: index)
        }
        return nil
    }

    /// Every occurrence of `target` replaced by `replacement`.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let (before, after) = rest.splitOnce(target) {
            out += before + replacement
            rest = after
        }
        return out + rest
    }

    /// Left-padded with zeros to `width` characters.
    public func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}

extension Double {
    /// Fixed-point text with `digits` decimals (String(format:) lives in full Foundation).
    public func formatted(decimals digits: Int) -> String {
        guard isFinite else { return description }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        let sign = self < 0 && scaled != 0 ? "-" : ""
        return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(String(fraction).leftPadded(to: digits))"
    }
}

/// Writes text to standard error, unbuffered (one `write(2)` per call keeps log lines whole).
public func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}
