import VandineCore

/// The samples one configured metric takes from a command's output.
///
/// Every match of the metric's regex is one sample (at most
/// ``CommandOptions/maximumSamplesPerMetric``): the `value` capture, times `scale`, is its value
/// (1 when the regex has no `value` capture, for info-style series such as
/// `router_version_info{version="…"} 1`); every other named capture is a label, beside the
/// metric's constant labels. A match whose `value` is no number (Go's `ParseFloat` accepts what
/// Swift's `Double` parses: `12`, `-1.5e3`, `NaN`, `+Inf`) gives no sample; a second match with the
/// same labels gives none either (the first wins), since an exposition may hold each series once.
struct CommandOutputMetrics: Sendable, Equatable {
    struct Sample: Sendable, Equatable {
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    /// Matches that gave no sample, each with the reason (for the probe's log).
    var skipped: [String] = []
    /// Whether the regex matched at all.
    var matched = false

    init(metric: CommandOptions.Metric, output: String) {
        let matches = metric.regex.allMatches(in: output, limit: CommandOptions.maximumSamplesPerMetric)
        matched = !matches.isEmpty
        let captures = metric.labelCaptures
        let valueGroup = metric.valueGroup
        var seen = Set<[String: String]>()
        for match in matches {
            var labels = metric.labels
            for capture in captures { labels[capture.name] = match[capture.group] ?? "" }
            var value = 1.0
            if let valueGroup {
                let text = (match[valueGroup] ?? "").trimmingBlanks()
                guard let number = Double(text) else {
                    skipped.append("value \(quoted(text)) in match \(quoted(match[0] ?? "")) is no number")
                    continue
                }
                value = number * metric.scale
            }
            guard seen.insert(labels).inserted else {
                skipped.append("match \(quoted(match[0] ?? "")) repeats the labels of an earlier match")
                continue
            }
            samples.append(Sample(labels: labels, value: value))
        }
    }
}
