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
