/// Input series written as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`
/// (OpenMetrics 1.0 exposition; no `# TYPE` lines, so every family is `unknown` and any name
/// is accepted; `# EOF` at the end).
///
/// - Point i of a series is at i·`interval` milliseconds (timestamps in seconds, millisecond
///   precision), from time 0 as promtool loads them.
/// - `_` writes nothing.
/// - `stale` writes nothing either: OpenMetrics has no way to write Prometheus's stale-marker NaN
///   (a `NaN` in the text is an ordinary NaN sample). So a backfilled series stays visible for
///   the 5-minute lookback after its last sample, where promtool's stale marker hides it at once:
///   queries between a `stale` and the lookback's end can differ from promtool (documented in
///   docs/rule-tests.md, and a conformance case shows where they agree).
/// - Several points at one timestamp (an `interval` of 0, which promtool 2.42 allows and which
///   is its default): the first one is kept, as promtool's loader keeps it.
/// - Series with the same label set are merged; families are written contiguously.
public enum OpenMetricsBackfillText {
    /// A series without a metric name cannot be written in OpenMetrics.
    public struct UnnamedSeries: Error, Sendable, CustomStringConvertible {
        public var labels: [String: String]
        public var description: String {
            "input series \(GoText.labels(labels)) has no metric name; OpenMetrics backfill needs one"
        }
    }

    /// The text, and how many samples it holds.
    public static func render(_ series: [InputSeries], interval: Int64) throws(UnnamedSeries) -> (text: String, samples: Int) {
        var families: [String] = []
        var seriesByName: [String: [[String: String]]] = [:]
        var points: [[String: String]: [Int64: Double]] = [:]
        for input in series {
            guard let name = input.labels["__name__"], !name.isEmpty else { throw UnnamedSeries(labels: input.labels) }
            if seriesByName[name] == nil { families.append(name) }
            if points[input.labels] == nil {
                seriesByName[name, default: []].append(input.labels)
                points[input.labels] = [:]
            }
            for (index, point) in input.points.enumerated() {
                guard case let .value(value) = point else { continue }
                let time = Int64(index) * interval
                if points[input.labels]![time] == nil { points[input.labels]![time] = value }
            }
        }
        var text = ""
        var count = 0
        for name in families {
            for labels in seriesByName[name] ?? [] {
                let prefix = name + labelText(labels)
                for (time, value) in points[labels]!.sorted(by: { $0.key < $1.key }) {
                    text += "\(prefix) \(valueText(value)) \(timestampText(time))\n"
                    count += 1
                }
            }
        }
        return (text + "# EOF\n", count)
    }

    /// `{a="1",b="2"}` without `__name__`, escaped as OpenMetrics requires (`\\`, `\"`, `\n`).
    static func labelText(_ labels: [String: String]) -> String {
        let pairs = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { key, value in
            var escaped = ""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": escaped += "\\\\"
                case "\"": escaped += "\\\""
                case "\n": escaped += "\\n"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return "\(key)=\"\(escaped)\""
        }.joined(separator: ",") + "}"
    }

    /// `+Inf`, `-Inf`, `NaN`, or the shortest decimal that reads back as the same double.
    static func valueText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return "\(value)"
    }

    /// Seconds with up to three decimals: `0`, `60`, `60.5`.
    static func timestampText(_ milliseconds: Int64) -> String {
        let seconds = "\(milliseconds / 1000)"
        let fraction = milliseconds % 1000
        guard fraction != 0 else { return seconds }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return seconds + "." + digits
    }
}
