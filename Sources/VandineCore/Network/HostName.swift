/// The host-name grammar every target and device address follows (DESIGN.md): labels of ASCII
/// letters, digits, `-` and `_`, separated by single dots, at most 253 bytes. Nothing else — no NUL,
/// control byte, space, `%` or non-ASCII — so the string checked against `allowed_targets` is
/// exactly the string the resolver sees (glibc cuts a name at NUL).
///
/// Names that glibc's `inet_aton` would read as an IPv4 address in a non-canonical form are
/// refused too (`127.1`, `0x7f.1`, `017700000001`, `2130706433`): an allowlist glob such as
/// `*.1` must not match what really is a loopback or LAN address. RFC 3696 §2 already rules out
/// an all-numeric top-level label.
public enum HostName {
    /// Longest name accepted (RFC 1035 §2.3.4, without the trailing dot).
    public static let maximumLength = 253
    /// Longest label (RFC 1035 §2.3.4).
    public static let maximumLabelLength = 63

    /// Why `text` is not a valid host name, or nil when it is. A single trailing dot (a fully
    /// qualified name) is allowed.
    public static func problem(with text: String) -> String? {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty else { return "host name is empty" }
        guard name.utf8.count <= maximumLength else { return "host name is longer than \(maximumLength) bytes" }
        for byte in name.utf8 where !isNameByte(byte) && byte != UInt8(ascii: ".") {
            return "host name may hold letters, digits, '.', '-' and '_' only, found \(describe(byte))"
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else { return "host name has an empty label" }
            guard label.utf8.count <= maximumLabelLength else { return "host name has a label longer than \(maximumLabelLength) bytes" }
        }
        if let last = labels.last, looksNumeric(last) {
            return "\"\(text)\" is neither a host name nor an IPv4 address in dotted-decimal form (a.b.c.d)"
        }
        return nil
    }

    /// True when `text` is a valid host name.
    public static func isValid(_ text: String) -> Bool { problem(with: text) == nil }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// A decimal, octal (leading 0) or hexadecimal (`0x`) number: what `inet_aton` takes as a part.
    static func looksNumeric(_ label: Substring) -> Bool {
        let bytes = Array(label.utf8)
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return true }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") else { return false }
        return bytes.dropFirst(2).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66) }
    }

    /// A byte as an error message shows it: printable ASCII quoted, anything else in hex.
    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
    }
}
