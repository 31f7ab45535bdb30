import Synchronization
import VandineCore

/// Counts rule evaluations for `/metrics`, as Prometheus's rule manager does
/// (`prometheus_rule_evaluations_total`, `…_failures_total`, `…_evaluation_duration_seconds`):
/// the rule manager calls ``recordRuleEvaluation(group:seconds:failed:)`` once per rule per round.
public final class RuleEvaluationMetrics: Sendable {
    /// Upper bounds (seconds) of `alertmanager_lite_rule_evaluation_duration_seconds`: one query to
    /// a nearby Prometheus takes milliseconds, a slow one seconds.
    public static let durationBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct State {
        var evaluations: [String: Double] = [:]
        var failures: [String: Double] = [:]
        var bucketCounts = [Double](repeating: 0, count: RuleEvaluationMetrics.durationBuckets.count)
        var durationSum = 0.0
        var durationCount = 0.0
    }

    private let state = Mutex(State())

    public init() {}

    /// One rule of `group` was evaluated in `seconds`; `failed` when its query or templates failed.
    public func recordRuleEvaluation(group: String, seconds: Double, failed: Bool) {
        state.withLock { state in
            state.evaluations[group, default: 0] += 1
            if failed { state.failures[group, default: 0] += 1 }
            for (index, bound) in Self.durationBuckets.enumerated() where seconds <= bound { state.bucketCounts[index] += 1 }
            state.durationSum += seconds
            state.durationCount += 1
        }
    }

    /// The three families; `groups` get a zero series before their first evaluation.
    public func families(groups: [String]) -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        var evaluations = MetricFamily(name: "alertmanager_lite_rule_evaluations_total",
                                       help: "The total number of rule evaluations.", type: .counter)
        var failures = MetricFamily(name: "alertmanager_lite_rule_evaluation_failures_total",
                                    help: "The total number of rule evaluation failures.", type: .counter)
        for group in Set(groups).union(snapshot.evaluations.keys).sorted() {
            evaluations.samples.append(VandineCore.Sample(name: evaluations.name, labels: ["rule_group": group],
                                              value: snapshot.evaluations[group] ?? 0))
            failures.samples.append(VandineCore.Sample(name: failures.name, labels: ["rule_group": group], value: snapshot.failures[group] ?? 0))
        }
        let duration = MetricFamily.histogram(
            "alertmanager_lite_rule_evaluation_duration_seconds", help: "The duration of rule evaluations.",
            buckets: zip(Self.durationBuckets, snapshot.bucketCounts).map { ($0, $1) },
            sum: snapshot.durationSum, count: snapshot.durationCount)
        return [evaluations, failures, duration]
    }
}
