/// Input series written as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`
/// (OpenMetrics 1.0 exposition; no `# TYPE` lines, so every family is `unknown` and any name
/// is accepted; `# EOF` at the end).
///
/// - Point i of a series is at i·`interval` milliseconds (timestamps in seconds, millisecond
///   precision), from time 0 as promtool loads them.
/// - `_` writes nothing.
/// - `stale` is not written here: OpenMetrics has no way to write Prometheus's stale-marker NaN
///   (a `NaN` in the text is an ordinary NaN sample). ``staleMarkers(_:interval:)`` lists them
///   for ``PrometheusBackfill``, which sends them through remote write.
/// - Several points at one timestamp (an `interval` of 0, which promtool 2.42 allows and which
///   is its default): the first one is kept (a `stale` included), as promtool's loader keeps it.
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
        var text = ""
        var count = 0
        for (labels, points) in try firstPoints(series, interval: interval) {
            let prefix = labels["__name__"]! + labelText(labels)
            for (time, point) in points {
                guard case let .value(value) = point else { continue }
                text += "\(prefix) \(valueText(value)) \(timestampText(time))\n"
                count += 1
            }
        }
        return (text + "# EOF\n", count)
    }

    /// The `stale` points: per series, the times (milliseconds) of its staleness markers.
    static func staleMarkers(_ series: [InputSeries], interval: Int64) throws(UnnamedSeries) -> [RemoteWriteRequest.Series] {
        try firstPoints(series, interval: interval).compactMap { labels, points in
            let stale = points.filter { $0.point == .stale }.map { (time: $0.time, value: RemoteWriteRequest.staleMarker) }
            return stale.isEmpty ? nil : RemoteWriteRequest.Series(labels: labels, samples: stale)
        }
    }

    /// Every series once (same label sets merged), families together in order of first
    /// appearance, each with its first point per timestamp in time order; `_` dropped.
    static func firstPoints(_ series: [InputSeries], interval: Int64) throws(UnnamedSeries)
        -> [(labels: [String: String], points: [(time: Int64, point: SeriesPoint)])] {
        var families: [String] = []
        var seriesByName: [String: [[String: String]]] = [:]
        var points: [[String: String]: [Int64: SeriesPoint]] = [:]
        for input in series {
            guard let name = input.labels["__name__"], !name.isEmpty else { throw UnnamedSeries(labels: input.labels) }
            if seriesByName[name] == nil { families.append(name) }
            if points[input.labels] == nil {
                seriesByName[name, default: []].append(input.labels)
                points[input.labels] = [:]
            }
            for (index, point) in input.points.enumerated() where point != .omitted {
                let time = Int64(index) * interval
                if points[input.labels]![time] == nil { points[input.labels]![time] = point }
            }
        }
        return families.flatMap { name in
            (seriesByName[name] ?? []).map { labels in
                (labels, points[labels]!.sorted { $0.key < $1.key }.map { (time: $0.key, point: $0.value) })
            }
        }
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
