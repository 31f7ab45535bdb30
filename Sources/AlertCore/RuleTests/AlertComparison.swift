/// How promtool compares and prints alerts (`labelsAndAnnotations` in `cmd/promtool/unittest.go`).
enum AlertComparison {
    /// One alert as promtool compares it.
    struct Entry: Equatable {
        var labels: [String: String]
        var annotations: [String: String]
    }

    /// The firing alerts of every alerting rule named `name` (the same name may be in several
    /// groups), sorted as promtool sorts them.
    static func firing(named name: String, in evaluations: [RuleEvaluation]) -> [Entry] {
        evaluations.filter { evaluation in
            if case let .alerting(rule) = evaluation.rule { return rule.name == name }
            return false
        }
        .flatMap(\.alerts)
        .filter { $0.state == .firing }
        .map { Entry(labels: $0.labels, annotations: $0.annotations) }
        .sorted(by: order)
    }

    /// `exp_alerts` with `alertname` added to each label set, sorted.
    static func expected(_ test: AlertRuleTest) -> [Entry] {
        test.expectedAlerts.map { alert in
            var labels = alert.labels
            labels["alertname"] = test.alertName
            return Entry(labels: labels, annotations: alert.annotations)
        }.sorted(by: order)
    }

    /// `labels.Compare` on the labels, then on the annotations.
    static func order(_ lhs: Entry, _ rhs: Entry) -> Bool {
        let byLabels = compare(lhs.labels, rhs.labels)
        return byLabels != 0 ? byLabels < 0 : compare(lhs.annotations, rhs.annotations) < 0
    }

    static func labelOrder(_ lhs: ExpectedSample, _ rhs: ExpectedSample) -> Bool {
        compare(lhs.labels, rhs.labels) < 0
    }

    /// Prometheus's `labels.Compare`: label by label in name order, name first, then value; a
    /// prefix sorts first.
    static func compare(_ lhs: [String: String], _ rhs: [String: String]) -> Int {
        let left = lhs.sorted { $0.key < $1.key }, right = rhs.sorted { $0.key < $1.key }
        for (a, b) in zip(left, right) {
            if a.key != b.key { return bytewise(a.key, b.key) }
            if a.value != b.value { return bytewise(a.value, b.value) }
        }
        return left.count - right.count
    }

    /// Go compares strings bytewise.
    private static func bytewise(_ a: String, _ b: String) -> Int {
        Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : 1
    }

    /// promtool's failure block for one `alert_rule_test`.
    static func failure(testName: String, alertName: String, time: Int64, expected: [Entry], got: [Entry]) -> String {
        let name = testName.isEmpty ? "" : "    name: \(testName),\n"
        let indent = "            "
        return "\(name)    alertname: \(alertName), time: \(PrometheusDurationText.string(time)), \n"
            + "        exp:\(indentLines(text(expected), indent)), \n"
            + "        got:\(indentLines(text(got), indent))"
    }

    /// `labelsAndAnnotations.String()`.
    static func text(_ entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "[]" }
        var out = "["
        for (index, entry) in entries.enumerated() {
            out += (index == 0 ? "\n" : ",\n") + "\(index):"
                + indentLines("\nLabels:" + GoText.labels(entry.labels) + "\nAnnotations:" + GoText.labels(entry.annotations), "  ")
        }
        return out + "\n]"
    }

    /// promtool's `indentLines`: `indent` before every line but the first.
    static func indentLines(_ text: String, _ indent: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset == 0 ? String($0.element) : indent + $0.element }
            .joined(separator: "\n")
    }
}
