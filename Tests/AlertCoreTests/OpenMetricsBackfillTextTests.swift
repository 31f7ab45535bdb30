@testable import AlertCore
import Testing

@Suite struct OpenMetricsBackfillTextTests {
    @Test func writesFamiliesContiguouslyWithTimestampsFromTheInterval() throws {
        let series = [
            InputSeries(labels: ["__name__": "up", "job": "node", "instance": "b"], points: [.value(1), .omitted, .value(0), .stale, .value(1)]),
            InputSeries(labels: ["__name__": "temp", "zone": "0"], points: [.value(.infinity), .value(-.infinity), .value(.nan), .value(0.30000000000000004)]),
            InputSeries(labels: ["__name__": "up", "job": "node", "instance": "a\"\\\n"], points: [.value(1e-05)]),
        ]
        let (text, samples) = try OpenMetricsBackfillText.render(series, interval: 30_500)
        #expect(text == """
        up{instance="b",job="node"} 1.0 0
        up{instance="b",job="node"} 0.0 61
        up{instance="b",job="node"} 1.0 122
        up{instance="a\\"\\\\\\n",job="node"} 1e-05 0
        temp{zone="0"} +Inf 0
        temp{zone="0"} -Inf 30.5
        temp{zone="0"} NaN 61
        temp{zone="0"} 0.30000000000000004 91.5
        # EOF

        """)
        #expect(samples == 8)
    }

    @Test func intervalZeroKeepsTheFirstPointLikePromtool() throws {
        let (text, samples) = try OpenMetricsBackfillText.render(
            [InputSeries(labels: ["__name__": "m"], points: [.omitted, .value(5), .value(6)])], interval: 0)
        #expect(text == "m 5.0 0\n# EOF\n")
        #expect(samples == 1)
    }

    @Test func sameSeriesTwiceIsMerged() throws {
        let labels = ["__name__": "m", "a": "1"]
        let (text, _) = try OpenMetricsBackfillText.render(
            [InputSeries(labels: labels, points: [.value(1), .omitted]), InputSeries(labels: labels, points: [.value(9), .value(2)])],
            interval: 60_000)
        #expect(text == "m{a=\"1\"} 1.0 0\nm{a=\"1\"} 2.0 60\n# EOF\n")
    }

    @Test func aSeriesWithoutNameIsRefused() {
        #expect(throws: OpenMetricsBackfillText.UnnamedSeries.self) {
            try OpenMetricsBackfillText.render([InputSeries(labels: ["job": "x"], points: [.value(1)])], interval: 1000)
        }
    }
}

@Suite struct StaleMarkerWarningsTests {
    static func test(_ values: String, interval: Int64 = 60_000, evalTimes: [Int64]) throws -> RuleTestGroup {
        RuleTestGroup(interval: interval, inputSeries: [InputSeries(labels: ["__name__": "up", "job": "node"], points: try SeriesValues.expand(values))],
                      alertRuleTests: evalTimes.map { AlertRuleTest(evaluationTime: $0, alertName: "A", expectedAlerts: []) })
    }

    @Test func namesTheWindowWhereTheBackfillDiffers() throws {
        // Last sample at 1m, stale at 2m, next sample at 4m: evaluations at 2m and 3m differ.
        let warnings = StaleMarkerWarnings.warnings(for: try Self.test("1 1 stale _ 1", evalTimes: [600_000]), evaluationInterval: 60_000)
        #expect(warnings == [#"  WARNING: {__name__="up", job="node"} is stale at 2m, but the backfill cannot store stale markers: evaluations from 2m to 3m still see its sample of 1m (promtool sees none)"#])
    }

    @Test func lookbackEndsTheWindow() throws {
        // Last sample at 0, stale at 1m, nothing after: differs at 1m..5m (lookback [t-5m, t] holds 0 until 5m).
        let warnings = StaleMarkerWarnings.warnings(for: try Self.test("1 stale", evalTimes: [900_000]), evaluationInterval: 60_000)
        #expect(warnings.count == 1 && warnings[0].contains("evaluations from 1m to 5m"))
    }

    @Test func silentWhenNothingLooksInsideTheWindow() throws {
        #expect(StaleMarkerWarnings.warnings(for: try Self.test("1 1 stale", evalTimes: [60_000]), evaluationInterval: 60_000).isEmpty)
        #expect(StaleMarkerWarnings.warnings(for: try Self.test("stale 1", evalTimes: [600_000]), evaluationInterval: 60_000).isEmpty)
        #expect(StaleMarkerWarnings.warnings(for: try Self.test("1 2 3", evalTimes: [600_000]), evaluationInterval: 60_000).isEmpty)
    }
}
