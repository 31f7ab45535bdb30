import AlertCore
import Testing

/// The alerting-rule state machine against Prometheus's `AlertingRule.Eval` (rules/alerting.go,
/// 2.42+): one table per transition, each step an evaluation at a time with the samples returned.
@Suite struct AlertingRuleTests {
    typealias Step = (time: Double, samples: [Sample])

    /// Runs `steps` and returns the rule after each one (its sorted alerts).
    func run(_ definition: AlertingRuleDefinition, _ steps: [Step], limit: Int = 0) throws -> [[AlertInstance]] {
        var rule = AlertingRule(definition: definition)
        var states: [[AlertInstance]] = []
        for step in steps {
            try rule.apply(step.samples, at: step.time, limit: limit)
            states.append(rule.alerts)
        }
        return states
    }

    static let up = ["__name__": "up", "job": "node", "instance": "a"]
    static let identity = ["alertname": "Down", "job": "node", "instance": "a"]

    @Test("for is inclusive: pending until time − activeAt reaches for, firing at exactly that evaluation")
    func forBoundaryInclusive() throws {
        let rule = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 60)
        let states = try run(rule, [(0, [sample(Self.up)]), (30, [sample(Self.up)]), (59.999, [sample(Self.up)]), (60, [sample(Self.up)])])
        #expect(states.map { $0.map(\.state) } == [[.pending], [.pending], [.pending], [.firing]])
        let fired = try #require(states.last?.first)
        #expect(fired.labels == Self.identity)
        #expect(fired.activeAt == 0)
        #expect(fired.firedAt == 60)
        #expect(fired.lastEvaluatedAt == 60)
        #expect(states[2].first?.firedAt == nil)
    }

    @Test("for: 0 fires in the evaluation that first sees the series")
    func forZeroFiresAtOnce() throws {
        let states = try run(AlertingRuleDefinition(name: "Down", expression: "up == 0"), [(100, [sample(Self.up)])])
        let alert = try #require(states[0].first)
        #expect(alert.state == .firing)
        #expect(alert.activeAt == 100)
        #expect(alert.firedAt == 100)
    }

    @Test("a pending alert that disappears is deleted; when it comes back its for timer starts again")
    func flappingPending() throws {
        let rule = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 60)
        let states = try run(rule, [(0, [sample(Self.up)]), (30, []), (45, [sample(Self.up)]), (90, [sample(Self.up)]),
                                    (105, [sample(Self.up)])])
        #expect(states[1].isEmpty)
        #expect(states[2].first?.activeAt == 45)
        #expect(states[3].first?.state == .pending)
        #expect(states[4].first?.state == .firing)
        #expect(states[4].first?.firedAt == 105)
    }

    @Test("a firing alert that disappears resolves, is kept 15 minutes (strictly more deletes it), and a return starts a new pending")
    func resolvedRetention() throws {
        let rule = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 10)
        let states = try run(rule, [(0, [sample(Self.up)]), (10, [sample(Self.up)]), (20, []), (920, []), (920.001, [])])
        let resolved = try #require(states[2].first)
        #expect(resolved.state == .inactive)
        #expect(resolved.resolvedAt == 20)
        #expect(resolved.firedAt == 10)
        #expect(states[3].first?.resolvedAt == 20)  // 900 s later: still kept
        #expect(states[4].isEmpty)

        let back = try run(rule, [(0, [sample(Self.up)]), (10, [sample(Self.up)]), (20, []), (30, [sample(Self.up)])])
        let pending = try #require(back[3].first)
        #expect(pending.state == .pending)
        #expect(pending.activeAt == 30)
        #expect(pending.resolvedAt == nil)
        #expect(pending.firedAt == nil)
    }

    @Test("keep_firing_for holds a firing alert from the first evaluation that misses it, strictly less than the hold")
    func keepFiringFor() throws {
        let rule = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 0, keepFiringFor: 60)
        let states = try run(rule, [(0, [sample(Self.up, 5)]), (30, []), (89.9, []), (90, []), (100, [])])
        #expect(states[1].first?.state == .firing)
        #expect(states[1].first?.keepFiringSince == 30)
        #expect(states[1].first?.value == 5)
        #expect(states[2].first?.state == .firing)
        #expect(states[3].first?.state == .inactive)
        #expect(states[3].first?.resolvedAt == 90)
        #expect(states[4].first?.resolvedAt == 90)

        // The series returns during the hold: keepFiringSince is cleared, ActiveAt and FiredAt stay.
        let back = try run(rule, [(0, [sample(Self.up)]), (30, []), (60, [sample(Self.up, 2)])])
        let alert = try #require(back[2].first)
        #expect(alert.state == .firing)
        #expect(alert.keepFiringSince == nil)
        #expect(alert.activeAt == 0)
        #expect(alert.firedAt == 0)
        #expect(alert.value == 2)

        // keep_firing_for does not hold a pending alert.
        let pendingRule = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 60, keepFiringFor: 60)
        #expect(try run(pendingRule, [(0, [sample(Self.up)]), (30, [])])[1].isEmpty)
    }

    @Test("more active alerts than limit: the evaluation fails with Prometheus's message and every instance is dropped")
    func limitExceeded() throws {
        var rule = AlertingRule(definition: AlertingRuleDefinition(name: "Down", expression: "up == 0"))
        let three = (1...3).map { sample(["instance": "i\($0)"]) }
        try rule.apply(Array(three.prefix(2)), at: 0, limit: 2)
        #expect(rule.alerts.count == 2)
        #expect(throws: RuleEvaluationError.limitExceeded(limit: 2, alerts: 3)) { try rule.apply(three, at: 10, limit: 2) }
        #expect(rule.alerts.isEmpty)
        #expect(RuleEvaluationError.limitExceeded(limit: 2, alerts: 3).description == "exceeded limit of 2 with 3 alerts")

        // Resolved instances do not count towards the limit.
        var resolved = AlertingRule(definition: AlertingRuleDefinition(name: "Down", expression: "up == 0"))
        try resolved.apply(Array(three.prefix(2)), at: 0, limit: 2)
        try resolved.apply([three[2]], at: 10, limit: 2)
        #expect(resolved.alerts.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.firing, .inactive, .inactive])
    }

    @Test("two series with the same labels once __name__ is dropped: the evaluation fails and nothing changes")
    func duplicateLabelSet() throws {
        var rule = AlertingRule(definition: AlertingRuleDefinition(name: "Down", expression: "a or b", holdDuration: 60))
        try rule.apply([sample(["__name__": "a", "x": "1"])], at: 0)
        let before = rule.alerts
        #expect(throws: RuleEvaluationError.duplicateLabelSet) {
            try rule.apply([sample(["__name__": "a", "x": "1"]), sample(["__name__": "b", "x": "1"])], at: 60)
        }
        #expect(rule.alerts == before)
        #expect(RuleEvaluationError.duplicateLabelSet.description
            == "vector contains metrics with the same labelset after applying alert labels")

        // Different series that a rule label makes equal are duplicates too.
        var labelled = AlertingRule(definition: AlertingRuleDefinition(name: "Down", expression: "up", labels: ["instance": "all"]))
        #expect(throws: RuleEvaluationError.duplicateLabelSet) {
            try labelled.apply([sample(["instance": "a"]), sample(["instance": "b"])], at: 0)
        }
    }

    @Test("identity: result labels minus __name__, rule labels (templated; empty removes), alertname last")
    func identity() throws {
        let rule = AlertingRuleDefinition(
            name: "Down", expression: "up == 0",
            labels: ["severity": "page", "job": "", "alertname": "Other", "source": "{{ $labels.__name__ }}"],
            annotations: ["summary": "{{ $labels.instance }} of {{ $labels.job }} is down"])
        let states = try run(rule, [(0, [sample(["__name__": "up", "job": "node", "instance": "a", "alertname": "x"])])])
        let alert = try #require(states[0].first)
        #expect(alert.labels == ["alertname": "Down", "instance": "a", "severity": "page", "source": "up"])
        #expect(alert.annotations == ["summary": "a of node is down"])
    }

    @Test("a templated label that changes changes the identity: the old pending alert goes, a new one starts")
    func templatedLabelChangesIdentity() throws {
        let rule = AlertingRuleDefinition(name: "High", expression: "load > 1", holdDuration: 60, labels: ["level": "{{ $value }}"])
        let states = try run(rule, [(0, [sample(["host": "h"], 2)]), (30, [sample(["host": "h"], 3)]), (60, [sample(["host": "h"], 3)])])
        let first = try #require(states[0].first), second = try #require(states[1].first)
        #expect(states[1].count == 1)
        #expect(first.labels["level"] != second.labels["level"])
        #expect(second.activeAt == 30)
        #expect(states[2].first?.state == .pending)  // 60 − 30 < 60
    }

    @Test("annotations follow the latest sample while the identity stays")
    func annotationsUpdate() throws {
        let rule = AlertingRuleDefinition(name: "High", expression: "load > 1", annotations: ["value": "{{ $value }}"])
        var alerting = AlertingRule(definition: rule)
        try alerting.apply([sample(["host": "h"], 2)], at: 0)
        let first = try #require(alerting.alerts.first?.annotations["value"])
        try alerting.apply([sample(["host": "h"], 3)], at: 10)
        #expect(alerting.alerts.first?.annotations["value"] != first)
        #expect(alerting.alerts.first?.value == 3)
    }

    @Test("NaN and ±Inf values are kept; an unchanged NaN is not a change")
    func specialValues() throws {
        var rule = AlertingRule(definition: AlertingRuleDefinition(name: "Odd", expression: "x", holdDuration: 60))
        #expect(try rule.apply([sample(["k": "nan"], .nan), sample(["k": "inf"], .infinity), sample(["k": "-inf"], -.infinity)], at: 0))
        let values = Dictionary(uniqueKeysWithValues: rule.alerts.map { ($0.labels["k"]!, $0.value) })
        #expect(values["nan"]!.isNaN)
        #expect(values["inf"] == .infinity)
        #expect(values["-inf"] == -.infinity)
        // Same samples 10 s later: only lastEvaluatedAt moves, which is not a change to persist.
        #expect(try rule.apply([sample(["k": "nan"], .nan), sample(["k": "inf"], .infinity), sample(["k": "-inf"], -.infinity)], at: 10) == false)
        #expect(rule.alerts.allSatisfy { $0.lastEvaluatedAt == 10 })
        #expect(try rule.apply([sample(["k": "nan"], 1), sample(["k": "inf"], .infinity), sample(["k": "-inf"], -.infinity)], at: 20))
    }

    @Test("restored instances keep their timers: pending since T fires at T + for")
    func restoredTimers() throws {
        let definition = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 300)
        let restored = AlertInstance(labels: Self.identity, state: .pending, value: 1, activeAt: 1000, lastEvaluatedAt: 1200)
        var rule = AlertingRule(definition: definition, restoring: [restored])
        try rule.apply([sample(Self.up)], at: 1299)
        #expect(rule.alerts.first?.state == .pending)
        #expect(rule.alerts.first?.activeAt == 1000)
        try rule.apply([sample(Self.up)], at: 1300)
        #expect(rule.alerts.first?.state == .firing)
        #expect(rule.alerts.first?.firedAt == 1300)
    }
}
