/// Where the backfill cannot reproduce a `stale` point (``OpenMetricsBackfillText`` writes it as a
/// gap): from the stale point until the next sample or the end of the 5-minute lookback after the
/// last real one, promtool sees no series and the temporary Prometheus still sees the old sample.
/// A warning names every such window in which the test evaluates or queries.
enum StaleMarkerWarnings {
    /// Prometheus's default `--query.lookback-delta`, in milliseconds (lookback is [t−5m, t] in 2.x).
    static let lookback: Int64 = 300_000

    static func warnings(for test: RuleTestGroup, evaluationInterval: Int64) -> [String] {
        guard test.inputSeries.contains(where: { $0.points.contains(.stale) }) else { return [] }
        let end = test.maximumEvaluationTime
        var times = Set(stride(from: Int64(0), through: end, by: Int(max(1, evaluationInterval))).map { $0 })
        for query in test.promqlExpressionTests { times.insert(query.evaluationTime) }
        var warnings: [String] = []
        for series in test.inputSeries {
            var lastValue: Int64?
            for (index, point) in series.points.enumerated() {
                let time = Int64(index) * test.interval
                switch point {
                case .value: lastValue = time
                case .omitted: continue
                case .stale:
                    guard let last = lastValue else { continue }
                    let nextValue = series.points[(index + 1)...].firstIndex { if case .value = $0 { true } else { false } }
                        .map { Int64($0) * test.interval }
                    let windowEnd = min(last + lookback + 1, nextValue ?? Int64.max)
                    let affected = times.filter { $0 >= time && $0 < windowEnd }.sorted()
                    guard let first = affected.first else { continue }
                    warnings.append("  WARNING: \(GoText.labels(series.labels)) is stale at \(PrometheusDurationText.string(time)), "
                        + "but the backfill cannot store stale markers: evaluations from \(PrometheusDurationText.string(first)) "
                        + "to \(PrometheusDurationText.string(affected.last!)) still see its sample of \(PrometheusDurationText.string(last)) "
                        + "(promtool sees none)")
                    lastValue = nil
                }
            }
        }
        return warnings
    }
}
