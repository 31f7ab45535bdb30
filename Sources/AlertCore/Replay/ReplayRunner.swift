/// `alertmanager-lite replay`: evaluates rule groups over stored history with a virtual clock
/// and reports every alert state change — what vmalert's `-replay.*` mode does, with
/// `keep_firing_for`, and without writing anything anywhere.
///
/// Each group runs on its own timeline up to `to` inclusive. Without `step`, on the slots a
/// Prometheus loading the same file would use (``GroupSchedule``: the group's `interval`, else
/// `evaluation_interval`, with the phase Prometheus derives from the file and group name); with
/// `step`, on the multiples of `step`. Changes are reported in time order (groups in config order
/// within one instant).
public struct ReplayRunner: Sendable {
    public var groups: [RuleGroupDefinition]
    /// Seconds; used for groups without their own `interval` when no step is given.
    public var evaluationInterval: Double

    public init(groups: [RuleGroupDefinition], evaluationInterval: Double) {
        self.groups = groups
        self.evaluationInterval = evaluationInterval
    }

    /// What a replay found.
    public struct Report: Sendable, Equatable {
        public var changes: [ReplayStateChange] = []
        /// `TIME group rule: error` lines, in time order.
        public var errors: [String] = []
        /// Group evaluations done.
        public var evaluations = 0

        /// The summary printed after the changes.
        public var summary: String {
            let fired = Set(changes.filter { $0.to == .firing && $0.from != .firing }.map { GoText.labels($0.labels) }).count
            let pending = changes.filter { $0.to == .pending }.count
            let firing = changes.filter { $0.to == .firing && $0.from != .firing }.count
            let resolved = changes.filter { $0.from == .firing && $0.to == .inactive }.count
            return "replay: \(evaluations) group evaluations, \(changes.count) state changes (\(pending) to pending, \(firing) to firing, \(resolved) resolved), \(fired) distinct alerts fired, \(errors.count) evaluation errors"
        }
    }

    /// The most evaluations one group may get in a replay: Prometheus's limit of points per
    /// range query.
    public static let maximumEvaluationsPerGroup = 11_000.0

    /// Throws when `to` is before `from`, `step` is not positive, or a group would be evaluated
    /// more than ``maximumEvaluationsPerGroup`` times.
    public struct InvalidRange: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Replays `[from, to]` (Unix seconds) with `evaluator`; `step` (seconds) overrides every
    /// group's interval. The evaluator must be fresh (no state) so the first round starts empty.
    public func run(evaluator: any RuleEvaluating, from: Double, to: Double, step: Double?) async throws(InvalidRange) -> Report {
        guard to >= from else { throw InvalidRange(description: "--to (\(RFC3339Time.format(to))) is before --from (\(RFC3339Time.format(from)))") }
        if let step, !(step > 0) { throw InvalidRange(description: "--step must be positive") }
        // Every evaluation is one query per rule: refuse a range that would flood the datasource,
        // at the number of points Prometheus itself allows a range query (11,000).
        for group in groups {
            let interval = step ?? group.interval ?? evaluationInterval
            let evaluations = ((to - from) / interval).rounded(.down) + 1
            guard evaluations <= Self.maximumEvaluationsPerGroup else {
                throw InvalidRange(description: "--from, --to and --step give \(evaluations < 1e15 ? String(Int64(evaluations)) : "\(evaluations)") evaluations of group \(group.name) "
                                   + "(every \(interval)s); at most \(Int(Self.maximumEvaluationsPerGroup)), as Prometheus allows a range query: "
                                   + "use a larger --step or a shorter range")
            }
        }
        var report = Report()
        var perGroup: [(order: Int, change: ReplayStateChange)] = []
        var errors: [(time: Double, order: Int, text: String)] = []
        for (order, group) in groups.enumerated() {
            let interval = step ?? group.interval ?? evaluationInterval
            var previous: [String: AlertInstance] = [:]
            var first: Double
            if step == nil {
                let schedule = GroupSchedule(file: group.file, name: group.name, interval: interval)
                let slot = schedule.slot(atOrBefore: from)
                first = slot >= from ? slot : schedule.slot(after: from)
            } else {
                first = (from / interval).rounded(.up) * interval
            }
            // Each time from the first by multiplication: adding the interval again and again
            // would drift on a fractional slot phase.
            var round = 0.0
            var time = first
            while time <= to {
                let results = await evaluator.evaluate(group, at: time)
                report.evaluations += 1
                for result in results {
                    if let error = result.error {
                        errors.append((time, order, "\(RFC3339Time.format(time)) \(group.name) \(result.rule.name): \(error)"))
                    }
                }
                var current: [String: AlertInstance] = [:]
                var ruleOf: [String: String] = [:]
                for result in results {
                    for alert in result.alerts {
                        let key = GoText.labels(alert.labels)
                        current[key] = alert
                        ruleOf[key] = result.rule.name
                    }
                }
                for (key, alert) in current.sorted(by: { $0.key < $1.key }) {
                    let before = previous[key]
                    let from = before?.state ?? .inactive
                    let keepStarted = alert.state == .firing && alert.keepFiringSince != nil && before?.keepFiringSince == nil
                    guard from != alert.state || keepStarted else { continue }
                    // A resolved alert kept for 15 minutes is reported once, when it resolves.
                    if from == .inactive && alert.state == .inactive { continue }
                    perGroup.append((order, ReplayStateChange(time: time, group: group.name, rule: ruleOf[key] ?? "", labels: alert.labels,
                                                              from: from, to: alert.state, value: alert.value,
                                                              keepFiringSince: alert.state == .firing ? alert.keepFiringSince : nil)))
                }
                for (key, alert) in previous.sorted(by: { $0.key < $1.key }) where current[key] == nil && alert.state != .inactive {
                    perGroup.append((order, ReplayStateChange(time: time, group: group.name, rule: alert.labels["alertname"] ?? "",
                                                              labels: alert.labels, from: alert.state, to: .inactive, value: alert.value)))
                }
                previous = current
                round += 1
                time = first + round * interval
            }
        }
        report.changes = perGroup.enumerated().sorted { lhs, rhs in
            let (a, b) = (lhs.element, rhs.element)
            if a.change.time != b.change.time { return a.change.time < b.change.time }
            if a.order != b.order { return a.order < b.order }
            return lhs.offset < rhs.offset
        }.map(\.element.change)
        report.errors = errors.sorted { $0.time != $1.time ? $0.time < $1.time : $0.order < $1.order }.map(\.text)
        return report
    }
}
