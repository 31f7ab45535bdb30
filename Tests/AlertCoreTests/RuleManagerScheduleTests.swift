import AlertCore
import Foundation
import TestSupport
import Testing

/// The rule manager as a running service (real time), and its slot phase against a real
/// Prometheus evaluating the same group.
@Suite(.serialized) struct RuleManagerScheduleTests {
    static func group(_ name: String, interval: Double, expression: String) -> RuleGroupDefinition {
        RuleGroupDefinition(name: name, file: "/rules/test.yml", interval: interval,
                            rules: [.alerting(AlertingRuleDefinition(name: "A" + name, expression: expression))])
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    func waitFor(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    /// Runs `groups` until `done` holds (at most 15 s), then cancels the service.
    func runUntil(_ manager: RuleManager, _ done: @escaping () -> Bool) async -> Bool {
        let service = Task { try await manager.run() }
        let reached = await waitFor(15) { done() }
        service.cancel()
        _ = await service.result
        return reached
    }

    @Test("run(): groups evaluate in parallel, each on its own aligned slots one interval apart")
    func runLoopParallel() async throws {
        // Three groups whose queries take 500 ms at a 1 s interval: one after the other they would
        // need 1.5 s per round and miss slots.
        let datasource = FakeDatasource(delay: .milliseconds(500))
        let names = ["one", "two", "three"]
        let manager = RuleManager(groups: names.map { Self.group($0, interval: 1, expression: $0) }, datasource: datasource)
        let enough = await runUntil(manager) {
            let queries = datasource.queries
            return names.allSatisfy { name in queries.filter { $0.expression == name }.count >= 3 }
        }
        #expect(enough)
        let schedules = await manager.schedules()
        for name in names {
            let schedule = try #require(schedules.first { $0.name == name }?.schedule)
            let times = datasource.queries.filter { $0.expression == name }.map(\.time)
            for time in times { #expect(abs(schedule.slot(atOrBefore: time + 1e-6) - time) < 1e-6, "\(name) at slot \(time)") }
            let steps = zip(times, times.dropFirst()).map { $1 - $0 }
            #expect(steps.allSatisfy { abs($0 - 1) < 1e-6 }, "\(name) steps \(steps)")
        }
        let metrics = await manager.metrics()
        for name in names { #expect(metrics.first { $0.name == name }?.missedIterations == 0) }
    }

    @Test("run(): a round that overruns its interval makes the group skip slots, counted as missed iterations")
    func runLoopMissedSlots() async throws {
        let datasource = FakeDatasource(delay: .milliseconds(300))
        let manager = RuleManager(groups: [Self.group("slow", interval: 0.25, expression: "slow")], datasource: datasource)
        let enough = await runUntil(manager) { datasource.queries.count >= 9 }
        #expect(enough)
        let schedule = try #require(await manager.schedules().first?.schedule)
        let times = datasource.queries.map(\.time)
        for time in times { #expect(abs(schedule.slot(atOrBefore: time + 1e-6) - time) < 1e-6, "slot \(time)") }
        let steps = zip(times, times.dropFirst()).map { Int((($1 - $0) / 0.25).rounded()) }
        #expect(steps.allSatisfy { $0 >= 1 })
        #expect(steps.contains { $0 >= 2 }, "steps \(steps)")
        let missed = try #require(await manager.metrics().first?.missedIterations)
        // Skipped slots between the rounds seen (a last round may have skipped more since).
        #expect(missed >= steps.map { $0 - 1 }.reduce(0, +))
    }

    @Test("reload while run() evaluates: the running query finishes (not cancelled), state is kept, new groups start")
    func reloadWhileRunning() async throws {
        let datasource = FakeDatasource(delay: .milliseconds(300))
        datasource.set("one", [sample(["x": "1"])])
        let one = Self.group("one", interval: 0.5, expression: "one")
        let manager = RuleManager(groups: [one], datasource: datasource)
        let service = Task { try await manager.run() }
        let started = await waitFor(10) { !datasource.queries.isEmpty }
        #expect(started)
        // The first query is in flight now (it takes 300 ms).
        await manager.reload([one, Self.group("two", interval: 0.5, expression: "two")])
        let both = await waitFor(10) { datasource.queries.filter { $0.expression == "two" }.count >= 2 }
        service.cancel()
        _ = await service.result
        #expect(both)
        let statuses = await manager.groupStatuses()
        let rule = try #require(statuses.first { $0.definition.name == "one" }?.rules.first)
        #expect(rule.health == .ok, "\(rule.lastError ?? "")")
        #expect(rule.alerts.first?.state == .firing)
        let metrics = await manager.metrics()
        #expect(metrics.first { $0.name == "one" }?.evaluationFailures == 0)
        #expect(metrics.first { $0.name == "one" }.map { $0.iterations >= 1 } == true)
    }

    @Test("the slot phase is Prometheus's: ALERTS samples of the same group carry our slot timestamps")
    func phaseMatchesPrometheus() async throws {
        let rules = """
            groups:
              - name: phase
                interval: 1s
                rules:
                  - alert: Always
                    expr: vector(1)
            """
        let prometheus = try await PrometheusTestServer.start(
            config: "global:\n  evaluation_interval: 1s\nrule_files:\n  - $DIR/rules.yml\n", files: ["rules.yml": rules])
        defer { prometheus.stop() }
        var timestamps: [Double] = []
        let seen = await waitFor(20) {
            guard let response = try? await Curl.fetch(prometheus.url("/api/v1/query?query=ALERTS%5B1m%5D")),
                  let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                  let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
                  let values = result.first?["values"] as? [[Any]] else { return false }
            timestamps = values.compactMap { $0.first as? Double }
            return timestamps.count >= 3
        }
        #expect(seen, "Prometheus wrote no ALERTS samples: \(prometheus.log.suffix(500))")
        let schedule = GroupSchedule(file: prometheus.directory.path + "/rules.yml", name: "phase", interval: 1)
        for timestamp in timestamps {
            // Prometheus stores the slot truncated to milliseconds.
            let slot = schedule.slot(atOrBefore: timestamp + 0.001)
            #expect(Int64((timestamp * 1000).rounded()) == Int64((slot * 1e9).rounded()) / 1_000_000, "sample at \(timestamp), slot \(slot)")
        }
    }
}
