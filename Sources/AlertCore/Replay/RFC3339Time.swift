/// Times as `replay` takes and prints them: RFC 3339 text or plain Unix seconds in, RFC 3339 UTC
/// out. The calendar arithmetic and the RFC 3339 grammar are ``TimeFormat``'s (the APIs' formats).
public enum RFC3339Time {
    /// Parses RFC 3339 text (`2026-11-29T18:00:00Z`, `2026-11-29T20:00:00+02:00`, fractions
    /// allowed, a space instead of `T` as RFC 3339 §5.6 permits) or plain Unix seconds
    /// (`1732900000`, `1732900000.5`); nil otherwise.
    public static func parse(_ text: String) -> Double? {
        if let seconds = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return seconds }
        var bytes = Array(text.utf8)
        if bytes.count > 10, bytes[10] == UInt8(ascii: " ") { bytes[10] = UInt8(ascii: "T") }
        return TimeFormat.parseRFC3339(String(decoding: bytes, as: UTF8.self))
    }

    /// `2026-11-29T18:00:00Z` (with `.250` when there is a fraction of a second).
    public static func format(_ seconds: Double) -> String {
        let (whole, milliseconds) = TimeFormat.split(seconds, scale: 1000)
        guard milliseconds > 0 else { return TimeFormat.dateTime(whole) + "Z" }
        let digits = String(milliseconds)
        return TimeFormat.dateTime(whole) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
