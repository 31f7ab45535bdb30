#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle

/// Owns every rule group: evaluates them (each at its interval on aligned slots, groups in
/// parallel, rules within a group in order), keeps their state across reloads, restores it at
/// start, maintains the built-in `AlertmanagerLiteDatasourceDown` alert, and hands every change
/// to an ``AlertStateSink`` — Prometheus's `rules.Manager` (`rules/manager.go`) with its groups
/// (`rules/group.go`).
///
/// Two ways to drive it:
/// - As a `Service` (`run()`): one loop per group sleeps until the group's next slot
///   (``GroupSchedule``), evaluates at that slot's timestamp, and skips slots a slow round overran.
/// - With a virtual clock, for replay and `test rules`: never call `run()`; call
///   ``evaluateGroup(file:name:at:)`` or ``evaluateAll(at:)`` with the timestamps you choose (in
///   increasing order). Each call evaluates synchronously from the caller's point of view and
///   returns the changes it also sent to the sink.
///
/// State restore: the `restoredState` given at init is put back as it was — an alert pending
/// since T fires at T + `for` (Prometheus instead shifts `ActiveAt` by its downtime when restoring
/// from `ALERTS_FOR_STATE`; we keep timers exact). Restored keys that match no rule are reported
/// to the sink as empty lists with the first commit, so the store forgets them.
public actor RuleManager: Service, RuleStatusProvider {
    private struct GroupID: Hashable {
        var file: String
        var name: String
    }

    private let datasource: any Datasource
    private let options: RuleManagerOptions
    private let sink: (any AlertStateSink)?
    private let logger: Logger
    private let wallClock: @Sendable () -> Double
    private var groups: [RuleGroupRuntime] = []
    private var datasourceDown: DatasourceDownAlert
    private let datasourceDownKey: RuleStateKey
    private var datasourceDownRounds = 0
    private var datasourceDownLastTime: Double?
    private var pendingDeletions: Set<RuleStateKey> = []
    private var loops: [GroupID: Task<Void, Never>] = [:]
    private var running = false
    private var reloading = false
    private var reloadWaiters: [CheckedContinuation<Void, Never>] = []
    private var commitTail: Task<Void, Never>?
    private let ruleEvaluated: (@Sendable (_ groupKey: String, _ seconds: Double, _ failed: Bool) -> Void)?

    /// - Parameters:
    ///   - groups: the rule groups, in the order the rule files listed them.
    ///   - datasource: where queries go.
    ///   - options: intervals, external labels/URL, the datasource-down delay.
    ///   - restoredState: alert instances from the state store, by rule state key.
    ///   - sink: receives every change (nil: nobody; the return values still carry them).
    ///   - wallClock: Unix time in seconds, for `run()`'s scheduling (tests pass their own).
    ///   - ruleEvaluated: told of every rule evaluation: the group's `file;name` key, the query's
    ///     time in seconds, and whether the rule failed (for the evaluation-duration histogram).
    public init(groups: [RuleGroupDefinition], datasource: any Datasource, options: RuleManagerOptions = RuleManagerOptions(),
                restoredState: [RuleStateKey: [AlertInstance]] = [:], sink: (any AlertStateSink)? = nil,
                logger: Logger = Logger(label: "alertmanager-lite.rules"),
                wallClock: @escaping @Sendable () -> Double = RuleManager.unixTime,
                ruleEvaluated: (@Sendable (_ groupKey: String, _ seconds: Double, _ failed: Bool) -> Void)? = nil) {
        self.ruleEvaluated = ruleEvaluated
        self.datasource = datasource
        self.options = options
        self.sink = sink
        self.logger = logger
        self.wallClock = wallClock
        datasourceDownKey = DatasourceDownAlert.stateKey(downAfter: options.datasourceDownAlertAfter)
        datasourceDown = DatasourceDownAlert(downAfter: options.datasourceDownAlertAfter, datasourceURL: options.datasourceURL,
                                             restoring: restoredState[datasourceDownKey] ?? [])
        self.groups = groups.map {
            RuleGroupRuntime(definition: $0, interval: $0.interval ?? options.evaluationInterval, previous: [:],
                             restored: restoredState, counters: nil)
        }
        let used = Set(groups.flatMap(\.ruleStateKeys)).union([datasourceDownKey])
        pendingDeletions = Set(restoredState.keys).subtracting(used)
    }

    /// The current Unix time in seconds (CLOCK_REALTIME).
    public static func unixTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    // MARK: Virtual-clock evaluation

    /// Evaluates the group `name` of rule file `file` at `time` (Unix seconds), sends the changes
    /// to the sink, and returns them: the full alert list of every rule whose alerts changed
    /// (plus the datasource-down alert's when it changed). Returns nil when there is no such group
    /// or it is evaluating already (a running `run()` loop got there first).
    @discardableResult
    public func evaluateGroup(file: String, name: String, at time: Double) async -> [RuleStateKey: [AlertInstance]]? {
        guard let group = groups.first(where: { $0.definition.file == file && $0.definition.name == name }) else { return nil }
        return await evaluate(group, at: time)
    }

    /// Evaluates every group at `time`, one after the other in load order (what `promtool test
    /// rules` does at each evaluation step), and returns the merged changes.
    @discardableResult
    public func evaluateAll(at time: Double) async -> [RuleStateKey: [AlertInstance]] {
        var all: [RuleStateKey: [AlertInstance]] = [:]
        for group in groups {
            if let changes = await evaluate(group, at: time) { all.merge(changes) { _, new in new } }
        }
        return all
    }

    /// Each group's file, name and schedule (interval and slot phase), in load order — what a
    /// replay needs to pick the timestamps Prometheus would have evaluated at.
    public func schedules() -> [(file: String, name: String, schedule: GroupSchedule)] {
        groups.map { ($0.definition.file, $0.definition.name, $0.schedule) }
    }

    private func evaluate(_ group: RuleGroupRuntime, at time: Double) async -> [RuleStateKey: [AlertInstance]]? {
        guard let round = await group.evaluate(at: time, datasource: datasource, externalLabels: options.externalLabels,
                                               externalURL: options.externalURL) else { return nil }
        var changes = round.changes
        if let ruleEvaluated {
            let groupKey = group.definition.file + ";" + group.definition.name
            for evaluation in round.ruleEvaluations { ruleEvaluated(groupKey, evaluation.seconds, evaluation.failed) }
        }
        for (key, error) in round.newRuleErrors {
            logger.warning("rule evaluation failed", metadata: ["file": "\(key.file)", "group": "\(key.group)",
                                                                "rule": "\(key.rule)", "error": "\(error)"])
        }
        if round.queried {
            let wasDown = datasourceDown.lastError != nil
            if datasourceDown.observe(failure: round.datasourceFailure, at: time) {
                changes[datasourceDownKey] = datasourceDown.rule.alerts
            }
            datasourceDownRounds += 1
            datasourceDownLastTime = max(time, datasourceDownLastTime ?? time)
            if let failure = round.datasourceFailure, !wasDown {
                logger.warning("datasource queries fail; alert states are frozen until it answers", metadata: ["error": "\(failure)"])
            } else if round.datasourceFailure == nil, wasDown {
                logger.info("datasource answers again")
            }
        }
        await commit(&changes)
        return changes
    }

    /// Adds pending deletions and sends `changes` to the sink, after every earlier commit.
    private func commit(_ changes: inout [RuleStateKey: [AlertInstance]]) async {
        for key in pendingDeletions where changes[key] == nil { changes[key] = [] }
        pendingDeletions = []
        guard !changes.isEmpty, let sink else { return }
        let previous = commitTail
        let batch = changes
        let task = Task {
            await previous?.value
            await sink.commit(changes: batch)
        }
        commitTail = task
        await task.value
    }

    // MARK: Reload

    /// Replaces the rule groups. A rule whose ``RuleStateKey`` (file, group, name, ordinal among
    /// same-named rules, definition hash) is unchanged keeps its alerts, health and last
    /// evaluation; a group that stays (same file and name) keeps its counters; everything else
    /// starts fresh. A running round finishes first (Prometheus stops old groups before copying
    /// state, `Manager.Update`). Rules that disappeared (or changed) are sent to the sink with
    /// empty lists. Safe to call while `run()` runs: loops restart for the new groups.
    public func reload(_ definitions: [RuleGroupDefinition]) async {
        while reloading { await withCheckedContinuation { reloadWaiters.append($0) } }
        reloading = true
        defer {
            reloading = false
            if !reloadWaiters.isEmpty { reloadWaiters.removeFirst().resume() }
        }
        for task in loops.values { task.cancel() }
        loops = [:]
        var previous: [RuleStateKey: RuleGroupRuntime.Rule] = [:]
        var counters: [GroupID: RuleGroupRuntime.Counters] = [:]
        for group in groups {
            let retired = await group.retire()
            previous.merge(retired.rules) { first, _ in first }
            counters[GroupID(file: group.definition.file, name: group.definition.name)] = retired.counters
        }
        groups = definitions.map {
            RuleGroupRuntime(definition: $0, interval: $0.interval ?? options.evaluationInterval, previous: previous,
                             restored: [:], counters: counters[GroupID(file: $0.file, name: $0.name)])
        }
        let kept = Set(definitions.flatMap(\.ruleStateKeys))
        var changes: [RuleStateKey: [AlertInstance]] = [:]
        for (key, rule) in previous where !kept.contains(key) && !(rule.alerting?.instances.isEmpty ?? true) {
            changes[key] = []
        }
        if running { startLoops() }
        await commit(&changes)
    }

    // MARK: Service

    /// Evaluates every group on its schedule until graceful shutdown (or cancellation); a round
    /// in progress then finishes, later ones do not start.
    public nonisolated func run() async throws {
        await startRunning()
        try? await gracefulShutdown()
        await stopRunning()
    }

    private func startRunning() async {
        running = true
        startLoops()
        var changes: [RuleStateKey: [AlertInstance]] = [:]
        await commit(&changes)
    }

    private func stopRunning() async {
        running = false
        for task in loops.values { task.cancel() }
        loops = [:]
        for group in groups { _ = await group.retire() }
    }

    private func startLoops() {
        for group in groups {
            let id = GroupID(file: group.definition.file, name: group.definition.name)
            guard loops[id] == nil else { continue }
            let clock = wallClock
            loops[id] = Task.detached { [weak self] in
                let schedule = group.schedule
                var slot = schedule.slot(after: clock())
                while !Task.isCancelled {
                    let delay = slot - clock()
                    if delay > 0 { try? await Task.sleep(for: .nanoseconds(Int64(delay * 1e9))) }
                    guard !Task.isCancelled, let manager = self else { return }
                    // Its own task, so that cancelling the loop (reload, shutdown) never cancels
                    // a query half-way: the round finishes and its state is kept.
                    let at = slot
                    await Task { _ = await manager.evaluate(group, at: at) }.value
                    let (next, missed) = schedule.next(after: slot, now: clock())
                    if missed > 0 { await group.recordMissed(missed) }
                    slot = next
                }
            }
        }
    }

    // MARK: Status

    /// Every group (and the synthetic `alertmanager-lite` group with the datasource-down alert
    /// last) as the APIs show them.
    public func groupStatuses() async -> [GroupStatus] {
        var statuses: [GroupStatus] = []
        for group in groups { statuses.append(await group.status()) }
        statuses.append(datasourceDownStatus)
        return statuses
    }

    private var datasourceDownStatus: GroupStatus {
        let definition = RuleDefinition.alerting(datasourceDown.rule.definition)
        let group = RuleGroupDefinition(name: DatasourceDownAlert.groupName, file: "", interval: options.evaluationInterval,
                                        rules: [definition])
        let rule = RuleStatus(key: datasourceDownKey, definition: definition,
                              health: datasourceDownLastTime == nil ? .unknown : .ok,
                              lastEvaluation: datasourceDownLastTime, alerts: datasourceDown.rule.alerts)
        return GroupStatus(definition: group, interval: options.evaluationInterval, lastEvaluation: datasourceDownLastTime,
                           rules: [rule])
    }

    /// Every rule's alert list by state key, the datasource-down alert included (what the store
    /// would hold after committing every change so far).
    public func alertState() async -> [RuleStateKey: [AlertInstance]] {
        var state: [RuleStateKey: [AlertInstance]] = [:]
        for group in groups { state.merge(await group.alertState()) { first, _ in first } }
        state[datasourceDownKey] = datasourceDown.rule.alerts
        return state
    }

    /// A snapshot of every group's metrics (the synthetic group last) for `/metrics`.
    public func metrics() async -> [RuleGroupMetrics] {
        var all: [RuleGroupMetrics] = []
        for group in groups { all.append(await group.metrics()) }
        var alertsByState: [AlertState: Int] = [:]
        for alert in datasourceDown.rule.instances.values { alertsByState[alert.state, default: 0] += 1 }
        let state: RuleGroupMetrics.RuleState = datasourceDownLastTime == nil ? .unknown
            : alertsByState[.firing] != nil ? .firing : alertsByState[.pending] != nil ? .pending : .inactive
        all.append(RuleGroupMetrics(file: "", name: DatasourceDownAlert.groupName, interval: options.evaluationInterval,
                                    evaluations: datasourceDownRounds, evaluationFailures: 0, iterations: datasourceDownRounds,
                                    missedIterations: 0, lastDuration: 0, lastEvaluation: datasourceDownLastTime, rules: 1,
                                    rulesByState: [state: 1], alertsByState: alertsByState))
        return all
    }
}
