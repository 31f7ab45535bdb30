import AlertCore
import Testing

/// The rule manager: datasource failures freezing state, the datasource-down alert, reloads,
/// restore, commits to the sink, group order and counters — driven with a virtual clock.
@Suite struct RuleManagerTests {
    static let file = "/etc/rules/node.yml"

    static func group(_ rules: [AlertingRuleDefinition], name: String = "node", interval: Double? = 30, limit: Int = 0) -> RuleGroupDefinition {
        RuleGroupDefinition(name: name, file: file, interval: interval, limit: limit, rules: rules.map { .alerting($0) })
    }

    static let down = AlertingRuleDefinition(name: "Down", expression: "up == 0", holdDuration: 120)
    static let series = sample(["__name__": "up", "instance": "a"], 0)

    func status(_ manager: RuleManager, _ rule: String) async throws -> RuleStatus {
        try #require(await manager.groupStatuses().flatMap(\.rules).first { $0.key.rule == rule })
    }

    @Test("a failing datasource changes nothing: pending stays (timer not reset), firing stays, health err with the message")
    func failureFreezesState() async throws {
        let datasource = FakeDatasource()
        let firing = AlertingRuleDefinition(name: "Firing", expression: "firing")
        let manager = RuleManager(groups: [Self.group([Self.down, firing])], datasource: datasource)
        datasource.set("up == 0", [Self.series])
        datasource.set("firing", [sample(["x": "1"])])
        await manager.evaluateAll(at: 0)
        let before = await manager.alertState()

        for (time, error) in [(30.0, DatasourceError.unreachable("connection refused")), (60, .timeout(30)),
                              (90, .httpStatus(502, "Bad Gateway")), (1200, .query(errorType: "bad_data", message: "parse error"))] {
            datasource.failAll(error)
            let changes = await manager.evaluateAll(at: time)
            #expect(changes.keys.allSatisfy { $0.rule == DatasourceDownAlert.alertName }, "no rule's alerts change at \(time)")
            let now = await manager.alertState()
            for (key, alerts) in before where key.rule != DatasourceDownAlert.alertName { #expect(now[key] == alerts, "\(key.rule) unchanged at \(time)") }
            let down = try await status(manager, "Down")
            #expect(down.health == .err)
            #expect(down.lastError == error.description)
        }
        datasource.failAll(nil)
        await manager.evaluateAll(at: 1230)
        let down = try await status(manager, "Down")
        #expect(down.health == .ok)
        #expect(down.lastError == nil)
        #expect(down.alerts.first?.state == .firing)
        #expect(down.alerts.first?.activeAt == 0)   // the timer ran through the outage
        #expect(down.alerts.first?.firedAt == 1230)
        #expect(try await status(manager, "Firing").alerts.first?.state == .firing)
    }

    @Test("AlertmanagerLiteDatasourceDown: pending at the first failed round, firing after down_alert_after, resolved when queries succeed")
    func datasourceDownAlert() async throws {
        let datasource = FakeDatasource()
        let sink = RecordingSink()
        let manager = RuleManager(groups: [Self.group([Self.down])], datasource: datasource,
                                  options: RuleManagerOptions(datasourceDownAlertAfter: 120, datasourceURL: "http://user:pw@127.0.0.1:9090"),
                                  sink: sink)
        let key = DatasourceDownAlert.stateKey(downAfter: 120)
        var metrics = await manager.metrics()
        #expect(metrics.last?.rulesByState == [.unknown: 1])

        await manager.evaluateAll(at: 0)
        datasource.failAll(.unreachable("connection refused"))
        var states: [AlertState?] = []
        for time in stride(from: 30.0, through: 150, by: 30) {
            await manager.evaluateAll(at: time)
            states.append(await manager.alertState()[key]?.first?.state)
        }
        #expect(states == [.pending, .pending, .pending, .pending, .firing])  // 30 … 120 pending, 150 − 30 = 120 fires
        let alert = try #require(await manager.alertState()[key]?.first)
        #expect(alert.labels == ["alertname": "AlertmanagerLiteDatasourceDown", "severity": "critical"])
        #expect(alert.activeAt == 30)
        let description = try #require(alert.annotations["description"])
        #expect(description.contains("datasource unreachable: connection refused"))
        #expect(description.contains("http://127.0.0.1:9090"))
        #expect(!description.contains("pw"))
        #expect(sink.all.last?[key]?.first?.state == .firing)

        let statuses = await manager.groupStatuses()
        #expect(statuses.last?.definition.name == "alertmanager-lite")
        #expect(statuses.last?.rules.first?.alerts.first?.state == .firing)
        metrics = await manager.metrics()
        #expect(metrics.last?.rulesByState == [.firing: 1])

        datasource.failAll(nil)
        await manager.evaluateAll(at: 180)
        let resolved = try #require(await manager.alertState()[key]?.first)
        #expect(resolved.state == .inactive)
        #expect(resolved.resolvedAt == 180)
    }

    @Test("query errors (a bad expression) do not count as the datasource being down, and a short outage never fires")
    func datasourceDownNeedsContinuousFailure() async throws {
        let datasource = FakeDatasource()
        let manager = RuleManager(groups: [Self.group([Self.down])], datasource: datasource,
                                  options: RuleManagerOptions(datasourceDownAlertAfter: 60))
        let key = DatasourceDownAlert.stateKey(downAfter: 60)
        datasource.fail("up == 0", .query(errorType: "bad_data", message: "1:1: parse error"))
        for time in stride(from: 0.0, through: 300, by: 30) { await manager.evaluateAll(at: time) }
        #expect(await manager.alertState()[key] == [])

        // Down 30 s, up, down 30 s: the pending alert is dropped in between, never fires.
        for (time, failing) in [(330.0, true), (360, true), (390, false), (420, true), (450, true)] {
            datasource.failAll(failing ? .timeout(5) : nil)
            await manager.evaluateAll(at: time)
        }
        let alert = try #require(await manager.alertState()[key]?.first)
        #expect(alert.state == .pending)
        #expect(alert.activeAt == 420)
    }

    @Test("a reload keeps the state of unchanged rules and drops it for changed or removed ones")
    func reloadKeepsUnchangedRules() async throws {
        let datasource = FakeDatasource()
        let sink = RecordingSink()
        let other = AlertingRuleDefinition(name: "Other", expression: "other")
        let gone = AlertingRuleDefinition(name: "Gone", expression: "gone")
        let manager = RuleManager(groups: [Self.group([Self.down, other, gone])], datasource: datasource, sink: sink)
        datasource.set("up == 0", [Self.series])
        datasource.set("other", [sample(["x": "1"])])
        datasource.set("gone", [sample(["x": "1"])])
        await manager.evaluateAll(at: 0)
        let before = await manager.alertState()
        let downKey = try #require(before.keys.first { $0.rule == "Down" })
        let otherKey = try #require(before.keys.first { $0.rule == "Other" })
        let goneKey = try #require(before.keys.first { $0.rule == "Gone" })

        var changedOther = other
        changedOther.annotations = ["summary": "new text"]
        await manager.reload([Self.group([Self.down, changedOther])])
        let after = await manager.alertState()
        #expect(after[downKey] == before[downKey])
        #expect(after[otherKey] == nil)
        let newOtherKey = try #require(after.keys.first { $0.rule == "Other" })
        #expect(newOtherKey != otherKey)
        #expect(after[newOtherKey] == [])
        #expect(try await status(manager, "Other").health == .unknown)
        #expect(try await status(manager, "Down").health == .ok)
        #expect(sink.all.last == [otherKey: [], goneKey: []])

        // The unchanged rule's pending timer continues across the reload.
        await manager.evaluateAll(at: 120)
        #expect(try await status(manager, "Down").alerts.first?.state == .firing)
        #expect(try await status(manager, "Down").alerts.first?.activeAt == 0)
    }

    @Test("restored state continues where it was; restored keys of rules that no longer exist are deleted")
    func restoreContinuesTimers() async throws {
        let datasource = FakeDatasource()
        let sink = RecordingSink()
        let group = Self.group([Self.down])
        let key = try #require(group.ruleStateKeys.first)
        let stale = RuleStateKey(file: Self.file, group: "node", rule: "Removed", ordinal: 0, definitionHash: "0")
        let labels = ["alertname": "Down", "instance": "a"]
        let restored = [key: [AlertInstance(labels: labels, state: .pending, value: 0, activeAt: 1000, lastEvaluatedAt: 1090)],
                        stale: [AlertInstance(labels: ["alertname": "Removed"], state: .firing, value: 1, activeAt: 0, firedAt: 0, lastEvaluatedAt: 0)]]
        let manager = RuleManager(groups: [group], datasource: datasource, restoredState: restored, sink: sink)
        datasource.set("up == 0", [Self.series])
        #expect(await manager.alertState()[key] == restored[key])
        await manager.evaluateAll(at: 1119)
        #expect(try await status(manager, "Down").alerts.first?.state == .pending)
        #expect(sink.all.first?[stale] == [])
        await manager.evaluateAll(at: 1120)
        let alert = try #require(try await status(manager, "Down").alerts.first)
        #expect(alert.state == .firing)
        #expect(alert.firedAt == 1120)
        #expect(alert.activeAt == 1000)
    }

    @Test("the sink gets one commit per round that changed something, with the full list of each changed rule")
    func commitsOnlyChanges() async throws {
        let datasource = FakeDatasource()
        let sink = RecordingSink()
        let quiet = AlertingRuleDefinition(name: "Quiet", expression: "quiet")
        let manager = RuleManager(groups: [Self.group([Self.down, quiet])], datasource: datasource, sink: sink)
        datasource.set("up == 0", [Self.series, sample(["instance": "b"], 0)])
        await manager.evaluateAll(at: 0)
        #expect(sink.all.count == 1)
        #expect(sink.all[0].count == 1)
        #expect(sink.all[0].values.first?.count == 2)
        await manager.evaluateAll(at: 30)  // same samples, still pending: nothing to store
        #expect(sink.all.count == 1)
        await manager.evaluateAll(at: 120)  // both fire
        #expect(sink.all.count == 2)
        #expect(sink.all[1].values.first?.map(\.state) == [.firing, .firing])
    }

    @Test("rules of a group are queried in file order at the round's timestamp; limit errors drop the rule's alerts")
    func orderAndLimit() async throws {
        let datasource = FakeDatasource()
        let rules = ["c", "a", "b"].map { AlertingRuleDefinition(name: "R\($0)", expression: $0) }
        let manager = RuleManager(groups: [Self.group(rules, limit: 1)], datasource: datasource)
        datasource.set("a", [sample(["i": "1"]), sample(["i": "2"])])
        datasource.set("b", [sample(["i": "1"])])
        let changes = await manager.evaluateGroup(file: Self.file, name: "node", at: 42.5)
        #expect(datasource.queries == ["c", "a", "b"].map { .init(expression: $0, time: 42.5) })
        let ra = try await status(manager, "Ra")
        #expect(ra.health == .err)
        #expect(ra.lastError == "exceeded limit of 1 with 2 alerts")
        #expect(ra.alerts.isEmpty)
        #expect(try await status(manager, "Rb").alerts.count == 1)
        #expect(changes?.keys.map(\.rule).sorted() == ["Ra", "Rb"])
        #expect(await manager.evaluateGroup(file: Self.file, name: "nope", at: 50) == nil)

        let metrics = try #require(await manager.metrics().first)
        #expect(metrics.evaluations == 3)
        #expect(metrics.evaluationFailures == 1)
        #expect(metrics.lastEvaluation == 42.5)
        #expect(metrics.groupKey == "\(Self.file);node")
        #expect(metrics.alertsByState == [.firing: 1])
        #expect(metrics.rulesByState == [.inactive: 2, .firing: 1])
    }

    @Test("metrics report rules not yet evaluated as unknown, and recording rules are listed but never queried")
    func unknownAndRecordingRules() async throws {
        let datasource = FakeDatasource()
        var group = Self.group([Self.down])
        group.rules.append(.recording(RecordingRuleDefinition(name: "job:up:sum", expression: "sum by (job) (up)")))
        let manager = RuleManager(groups: [group], datasource: datasource)
        #expect(await manager.metrics().first?.rulesByState == [.unknown: 1])
        await manager.evaluateAll(at: 0)
        #expect(datasource.queries.map(\.expression) == ["up == 0"])
        let recording = try await status(manager, "job:up:sum")
        #expect(recording.health == .unknown)
        #expect(await manager.metrics().first?.rules == 2)
    }

    @Test("the definition hash is stable and covers every field that decides alerts")
    func definitionHash() {
        let base = RuleDefinition.alerting(Self.down)
        #expect(base.definitionHash == RuleDefinition.alerting(Self.down).definitionHash)
        #expect(base.definitionHash.count == 16)
        var variants: [AlertingRuleDefinition] = []
        for change in 0..<6 {
            var rule = Self.down
            switch change {
            case 0: rule.expression = "up == 1"
            case 1: rule.holdDuration = 60
            case 2: rule.keepFiringFor = 60
            case 3: rule.labels = ["a": "b"]
            case 4: rule.annotations = ["a": "b"]
            default: rule.name = "Other"
            }
            variants.append(rule)
        }
        let hashes = Set(variants.map { RuleDefinition.alerting($0).definitionHash } + [base.definitionHash])
        #expect(hashes.count == 7)
        var moved = Self.down
        moved.line = 99
        #expect(RuleDefinition.alerting(moved).definitionHash == base.definitionHash)
        // Same-named rules get ordinals in file order.
        let keys = Self.group([Self.down, Self.down]).ruleStateKeys
        #expect(keys.map(\.ordinal) == [0, 1])
    }
}
