@testable import AlertCore
import Testing

@Suite struct ReplayRunnerTests {
    static let rule = AlertingRuleDefinition(name: "TunnelDown", expression: "vandine_tunnel_up == 0", holdDuration: 60, keepFiringFor: 300)
    static let group = RuleGroupDefinition(name: "network", file: "network.yml", interval: 60, rules: [.alerting(rule)])
    static let labels = ["alertname": "TunnelDown", "instance": "localhost:20241"]

    /// The states Prometheus gives TunnelDown for `1 0 0 0 1x10` (tunnel-keep-firing-for.yml),
    /// one evaluation per minute from Unix time 600.
    static func states(_ time: Double) -> [AlertInstance] {
        let minute = Int((time - 600) / 60)
        func alert(_ state: AlertState, keep: Double? = nil, resolved: Double? = nil) -> [AlertInstance] {
            [AlertInstance(labels: labels, state: state, value: 0, activeAt: 660, firedAt: state == .pending ? nil : 720,
                           resolvedAt: resolved, keepFiringSince: keep, lastEvaluatedAt: time)]
        }
        switch minute {
        case 1: return alert(.pending)
        case 2, 3: return alert(.firing)
        case 4...8: return alert(.firing, keep: 840)
        case 9...20: return alert(.inactive, resolved: 1140)
        default: return []
        }
    }

    @Test func printsEveryStateChangeWithKeepFiringFor() async throws {
        final class Calls: @unchecked Sendable { var times: [Double] = [] }
        let calls = Calls()
        let evaluator = ScriptedEvaluator { _, time in
            calls.times.append(time)
            return [RuleEvaluation(rule: .alerting(Self.rule), alerts: Self.states(time))]
        }
        let report = try await ReplayRunner(groups: [Self.group], evaluationInterval: 15).run(evaluator: evaluator, from: 590, to: 1320, step: 60)
        #expect(calls.times.first == 600 && calls.times.last == 1320 && calls.times.count == 13, "aligned to the 60s step")
        #expect(report.changes.map(\.line) == [
            #"1970-01-01T00:11:00Z network TunnelDown {alertname="TunnelDown", instance="localhost:20241"} inactive -> pending value=0"#,
            #"1970-01-01T00:12:00Z network TunnelDown {alertname="TunnelDown", instance="localhost:20241"} pending -> firing value=0"#,
            #"1970-01-01T00:14:00Z network TunnelDown {alertname="TunnelDown", instance="localhost:20241"} firing -> firing value=0 (kept firing by keep_firing_for since 1970-01-01T00:14:00Z)"#,
            #"1970-01-01T00:19:00Z network TunnelDown {alertname="TunnelDown", instance="localhost:20241"} firing -> inactive value=0"#,
        ])
        #expect(report.summary == "replay: 13 group evaluations, 4 state changes (1 to pending, 1 to firing, 1 resolved), 1 distinct alerts fired, 0 evaluation errors")
    }

    @Test func stepOverridesAndPendingThatVanishesIsReported() async throws {
        let evaluator = ScriptedEvaluator { _, time in
            let alerts = time == 30 ? [AlertInstance(labels: Self.labels, state: .pending, value: 2, activeAt: 30, lastEvaluatedAt: 30)] : []
            return [RuleEvaluation(rule: .alerting(Self.rule), alerts: alerts, error: time == 60 ? "bad_data: boom" : nil)]
        }
        let report = try await ReplayRunner(groups: [Self.group], evaluationInterval: 60).run(evaluator: evaluator, from: 0, to: 60, step: 30)
        #expect(report.evaluations == 3)
        #expect(report.changes.map { "\($0.time) \($0.from)->\($0.to) \($0.value)" } == ["30.0 inactive->pending 2.0", "60.0 pending->inactive 2.0"])
        #expect(report.errors == ["1970-01-01T00:01:00Z network TunnelDown: bad_data: boom"])
    }

    @Test func withoutStepTheGroupsPrometheusSlotsAreUsed() async throws {
        final class Calls: @unchecked Sendable { var times: [Double] = [] }
        let calls = Calls()
        let evaluator = ScriptedEvaluator { _, time in
            calls.times.append(time)
            return []
        }
        _ = try await ReplayRunner(groups: [Self.group], evaluationInterval: 15).run(evaluator: evaluator, from: 1000, to: 1300, step: nil)
        let schedule = GroupSchedule(file: "network.yml", name: "network", interval: 60)
        let first = schedule.slot(atOrBefore: 1000) >= 1000 ? 1000 : schedule.slot(after: 1000)
        #expect(calls.times.first == first)
        #expect(zip(calls.times, calls.times.dropFirst()).allSatisfy { abs($1 - $0 - 60) < 1e-6 })
        #expect(calls.times.allSatisfy { $0 >= 1000 && $0 <= 1300 } && calls.times.count == 5)
    }

    @Test func refusesABackwardsRange() async {
        await #expect(throws: ReplayRunner.InvalidRange.self) {
            try await ReplayRunner(groups: [], evaluationInterval: 60).run(evaluator: ScriptedEvaluator { _, _ in [] }, from: 10, to: 5, step: nil)
        }
    }

    /// A day at 1 ms would be 86.4 million evaluations per group: refused before any query, and
    /// the evaluator is never called. 11,000 evaluations (Prometheus's range-query limit) still run.
    @Test func refusesARangeThatWouldFloodTheDatasource() async throws {
        let group = RuleGroupDefinition(name: "g", file: "g.yml", interval: 60, rules: [])
        final class Calls: @unchecked Sendable { var count = 0 }
        let calls = Calls()
        let evaluator = ScriptedEvaluator { _, _ in calls.count += 1; return [] }
        do {
            _ = try await ReplayRunner(groups: [group], evaluationInterval: 60).run(evaluator: evaluator, from: 0, to: 86_400, step: 0.001)
            Issue.record("a 1 ms step over a day ran")
        } catch {
            #expect(error.description.hasPrefix("--from, --to and --step give 86400001 evaluations of group g"), "\(error)")
        }
        #expect(calls.count == 0)
        _ = try await ReplayRunner(groups: [group], evaluationInterval: 60).run(evaluator: evaluator, from: 0, to: 10_999, step: 1)
        #expect(calls.count == 11_000)
    }

    @Test func rfc3339BothWays() {
        #expect(RFC3339Time.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339Time.parse("2026-11-29T18:00:00Z") == 1_795_975_200)
        #expect(RFC3339Time.parse("2026-11-29T20:00:00+02:00") == 1_795_975_200)
        #expect(RFC3339Time.parse("2026-11-29T18:00:00.250Z") == 1_795_975_200.25)
        #expect(RFC3339Time.parse("1795975200") == 1_795_975_200)
        #expect(RFC3339Time.parse("2026-13-01T00:00:00Z") == nil)
        #expect(RFC3339Time.parse("yesterday") == nil)
        #expect(RFC3339Time.format(1_795_975_200) == "2026-11-29T18:00:00Z")
        #expect(RFC3339Time.format(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(RFC3339Time.format(0.5) == "1970-01-01T00:00:00.500Z")
    }
}
