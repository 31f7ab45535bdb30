/// A duration written the way Prometheus writes them: `0`, `500ms`, `10s`, `1m30s`, `2h`, `1d`,
/// `1w`, `1y` — units from largest to smallest, each at most once, integers only.
public struct PrometheusDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in milliseconds.
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ seconds: Int64) -> PrometheusDuration { .init(milliseconds: seconds * 1000) }

    /// The length in seconds.
    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Swift's own Duration, for sleeping and timeouts.
    public var duration: Duration { .milliseconds(milliseconds) }

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses Prometheus' duration syntax; nil when `text` is not one.
    public init?(_ text: String) {
        if text == "0" { self.milliseconds = 0; return }
        var bytes = text.utf8[...]
        guard !bytes.isEmpty else { return nil }
        var total: Int64 = 0
        var nextUnit = 0  // units must appear in decreasing order, each once
        while !bytes.isEmpty {
            let digits = bytes.prefix(while: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            guard !digits.isEmpty, digits.count <= 12 else { return nil }
            bytes = bytes.dropFirst(digits.count)
            let letters = bytes.prefix(while: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") })
            bytes = bytes.dropFirst(letters.count)
            let unit = String(decoding: letters, as: UTF8.self)
            guard let index = Self.units.firstIndex(where: { $0.suffix == unit }), index >= nextUnit,
                  let number = Int64(String(decoding: digits, as: UTF8.self))
            else { return nil }
            let (product, overflow) = number.multipliedReportingOverflow(by: Self.units[index].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
            nextUnit = index + 1
        }
        self.milliseconds = total
    }

    /// The canonical Prometheus spelling, e.g. `1m30s`, `500ms`, `0s`.
    public var description: String {
        guard milliseconds > 0 else { return milliseconds == 0 ? "0s" : "-" + PrometheusDuration(milliseconds: -milliseconds).description }
        var rest = milliseconds
        var text = ""
        for unit in Self.units where rest >= unit.milliseconds {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }

    public static func < (lhs: PrometheusDuration, rhs: PrometheusDuration) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }
}
