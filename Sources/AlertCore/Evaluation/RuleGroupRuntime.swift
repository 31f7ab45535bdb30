import VandineCore

/// One rule group being evaluated: its rules' state, health and counters. One evaluation at a
/// time; rules in file order, each an instant query at the round's timestamp (Prometheus's
/// `Group.Eval`, `rules/group.go`).
///
/// Where we differ from Prometheus on purpose: a query that fails (any ``DatasourceError``)
/// changes nothing of that rule's alerts — no resolve, no pending dropped, no `for` timer reset —
/// and only sets its health to `err` with the error.
actor RuleGroupRuntime {
    /// One rule of the group with what `/api/v1/rules` shows of it.
    struct Rule: Sendable {
        var key: RuleStateKey
        var definition: RuleDefinition
        /// nil for recording rules (listed, never evaluated).
        var alerting: AlertingRule?
        var health: RuleHealth = .unknown
        var lastError: String?
        var lastEvaluation: Double?
        var evaluationDuration: Double = 0

        var status: RuleStatus {
            RuleStatus(key: key, definition: definition, health: health, lastError: lastError,
                       lastEvaluation: lastEvaluation, evaluationDuration: evaluationDuration,
                       alerts: alerting?.alerts ?? [])
        }
    }

    /// The group's counters, as Prometheus's `prometheus_rule_*` metrics count them.
    struct Counters: Sendable {
        /// Rule evaluations (`prometheus_rule_evaluations_total`).
        var evaluations = 0
        /// Failed rule evaluations (`prometheus_rule_evaluation_failures_total`).
        var failures = 0
        /// Rounds run (`prometheus_rule_group_iterations_total` minus the missed ones).
        var iterations = 0
        /// Slots skipped because a round overran (`prometheus_rule_group_iterations_missed_total`).
        var missedIterations = 0
        /// Seconds the last round took (`prometheus_rule_group_last_duration_seconds`).
        var lastDuration: Double = 0
        /// The last round's evaluation timestamp (`prometheus_rule_group_last_evaluation_timestamp_seconds`).
        var lastEvaluation: Double?
    }

    /// What one round produced.
    struct Round: Sendable {
        /// The full alert list of every rule whose alerts changed.
        var changes: [RuleStateKey: [AlertInstance]]
        /// The round's last datasource failure; nil when the datasource answered (or no query ran).
        var datasourceFailure: DatasourceError?
        /// Whether any query ran (a group of recording rules only asks nothing).
        var queried: Bool
        /// Rules that failed for a reason of their own (a query error, `limit`, duplicate label
        /// sets) with a different error than at their previous evaluation: worth one log line.
        var newRuleErrors: [(key: RuleStateKey, error: String)] = []
        /// Every rule evaluated, in order: its query time in seconds and whether it failed.
        var ruleEvaluations: [(seconds: Double, failed: Bool)] = []
    }

    let definition: RuleGroupDefinition
    let interval: Double
    let schedule: GroupSchedule
    private(set) var rules: [Rule]
    private(set) var counters = Counters()
    private var busy = false
    private var retired = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// The group with rule state taken from `previous` (by state key) or else from `restored`.
    init(definition: RuleGroupDefinition, interval: Double, previous: [RuleStateKey: Rule],
         restored: [RuleStateKey: [AlertInstance]], counters: Counters?) {
        self.definition = definition
        self.interval = interval
        schedule = GroupSchedule(file: definition.file, name: definition.name, interval: interval)
        rules = zip(definition.rules, definition.ruleStateKeys).map { (rule, key) -> Rule in
            if let old = previous[key] { return old }
            var alerting: AlertingRule?
            if case let .alerting(alertingDefinition) = rule {
                alerting = AlertingRule(definition: alertingDefinition, restoring: restored[key] ?? [])
            }
            return Rule(key: key, definition: rule, alerting: alerting)
        }
        if let counters { self.counters = counters }
    }

    /// Evaluates every alerting rule at `time` (Unix seconds) against `datasource`. Returns nil
    /// without evaluating when a round is still running or the group was retired by a reload.
    func evaluate(at time: Double, datasource: any Datasource, externalLabels: [String: String],
                  externalURL: String) async -> Round? {
        guard !busy, !retired else { return nil }
        busy = true
        defer {
            busy = false
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
        let clock = ContinuousClock()
        let roundStart = clock.now
        var round = Round(changes: [:], datasourceFailure: nil, queried: false)
        let answers = await query(at: time, datasource: datasource, clock: clock)
        for index in rules.indices {
            guard let answer = answers[index] else { continue }
            counters.evaluations += 1
            round.queried = true
            let failuresBefore = counters.failures
            switch answer.result {
            case let .success(samples):
                round.datasourceFailure = nil
                do throws(RuleEvaluationError) {
                    if try rules[index].alerting!.apply(samples, at: time, limit: definition.limit,
                                                        externalLabels: externalLabels, externalURL: externalURL) {
                        round.changes[rules[index].key] = rules[index].alerting!.alerts
                    }
                    rules[index].health = .ok
                    rules[index].lastError = nil
                } catch {
                    if case .limitExceeded = error { round.changes[rules[index].key] = [] }
                    if rules[index].lastError != error.description { round.newRuleErrors.append((rules[index].key, error.description)) }
                    fail(index, error)
                }
            case let .failure(error):
                if error.isDatasourceFailure {
                    round.datasourceFailure = error
                } else {
                    round.datasourceFailure = nil
                    if rules[index].lastError != error.description { round.newRuleErrors.append((rules[index].key, error.description)) }
                }
                fail(index, .datasource(error))
            }
            rules[index].lastEvaluation = time
            rules[index].evaluationDuration = answer.seconds
            round.ruleEvaluations.append((seconds: answer.seconds, failed: counters.failures != failuresBefore))
        }
        counters.iterations += 1
        counters.lastDuration = (clock.now - roundStart).inSeconds
        counters.lastEvaluation = time
        return round
    }

    /// How many of a group's queries are in flight at once. Prometheus runs a group's rules one
    /// after another because a recording rule may feed a later rule; we evaluate alerting rules
    /// only and write no series, so no rule can see another's result and the queries may overlap.
    /// Applying the answers stays in file order. With 500 rules against a loopback Prometheus a
    /// round takes a fraction of the sequential time (benchmarks/rules.sh).
    static let concurrentQueries = 8

    /// One rule's answer: the query's result and how long it took, in seconds.
    private struct Answer: Sendable {
        var result: Result<[Sample], DatasourceError>
        var seconds: Double
    }

    /// Runs every alerting rule's query at `time`, at most ``concurrentQueries`` at once; the
    /// answers by rule index (nil for recording rules).
    private func query(at time: Double, datasource: any Datasource, clock: ContinuousClock) async -> [Answer?] {
        let jobs: [(index: Int, expression: String)] = rules.indices.compactMap { index in
            rules[index].alerting.map { (index, $0.definition.expression) }
        }
        var answers = [Answer?](repeating: nil, count: rules.count)
        await withTaskGroup(of: (Int, Answer).self) { group in
            var next = 0
            func start() {
                let job = jobs[next]
                next += 1
                group.addTask {
                    let start = clock.now
                    let result: Result<[Sample], DatasourceError>
                    do throws(DatasourceError) {
                        result = .success(try await datasource.query(job.expression, at: time))
                    } catch {
                        result = .failure(error)
                    }
                    return (job.index, Answer(result: result, seconds: (clock.now - start).inSeconds))
                }
            }
            while next < jobs.count && next < Self.concurrentQueries { start() }
            for await (index, answer) in group {
                answers[index] = answer
                if next < jobs.count { start() }
            }
        }
        return answers
    }

    private func fail(_ index: Int, _ error: RuleEvaluationError) {
        counters.failures += 1
        rules[index].health = .err
        rules[index].lastError = error.description
    }

    /// Counts slots skipped by the scheduler.
    func recordMissed(_ count: Int) {
        counters.missedIterations += count
    }

    /// Stops the group for a reload: waits for a running round to finish, refuses later ones, and
    /// returns the rules (by state key) and counters for the group that replaces it.
    func retire() async -> (rules: [RuleStateKey: Rule], counters: Counters) {
        retired = true
        while busy {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
        return (Dictionary(rules.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first }), counters)
    }

    /// The group as the APIs show it.
    func status() -> GroupStatus {
        GroupStatus(definition: definition, interval: interval, lastEvaluation: counters.lastEvaluation,
                    evaluationDuration: counters.lastDuration, rules: rules.map(\.status))
    }

    /// Every rule's alert list, by state key (alerting rules only).
    func alertState() -> [RuleStateKey: [AlertInstance]] {
        var state: [RuleStateKey: [AlertInstance]] = [:]
        for rule in rules { if let alerting = rule.alerting { state[rule.key] = alerting.alerts } }
        return state
    }

    /// The group's metrics.
    func metrics() -> RuleGroupMetrics {
        var rulesByState: [RuleGroupMetrics.RuleState: Int] = [:]
        var alertsByState: [AlertState: Int] = [:]
        for rule in rules {
            guard let alerting = rule.alerting else { continue }
            var ruleState = RuleGroupMetrics.RuleState.inactive
            for alert in alerting.instances.values {
                alertsByState[alert.state, default: 0] += 1
                if alert.state == .firing { ruleState = .firing } else if alert.state == .pending && ruleState != .firing { ruleState = .pending }
            }
            rulesByState[rule.lastEvaluation == nil ? .unknown : ruleState, default: 0] += 1
        }
        return RuleGroupMetrics(file: definition.file, name: definition.name, interval: interval,
                                evaluations: counters.evaluations, evaluationFailures: counters.failures,
                                iterations: counters.iterations, missedIterations: counters.missedIterations,
                                lastDuration: counters.lastDuration, lastEvaluation: counters.lastEvaluation,
                                rules: rules.count, rulesByState: rulesByState, alertsByState: alertsByState)
    }
}
