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

    @Test func staleMarkersAreListedForRemoteWrite() throws {
        let series = [
            InputSeries(labels: ["__name__": "up", "job": "a"], points: try SeriesValues.expand("1 stale _ 1 stale")),
            InputSeries(labels: ["__name__": "up", "job": "b"], points: try SeriesValues.expand("1 2")),
            InputSeries(labels: ["__name__": "m"], points: try SeriesValues.expand("stale 5")),
        ]
        #expect(try OpenMetricsBackfillText.staleMarkers(series, interval: 60_000) == [
            RemoteWriteRequest.Series(labels: ["__name__": "up", "job": "a"],
                                      samples: [(60_000, RemoteWriteRequest.staleMarker), (240_000, RemoteWriteRequest.staleMarker)]),
            RemoteWriteRequest.Series(labels: ["__name__": "m"], samples: [(0, RemoteWriteRequest.staleMarker)]),
        ])
        // interval 0: the first point at a time wins, a stale one included.
        let zero = [InputSeries(labels: ["__name__": "m"], points: try SeriesValues.expand("stale 5"))]
        #expect(try OpenMetricsBackfillText.render(zero, interval: 0).samples == 0)
        #expect(try OpenMetricsBackfillText.staleMarkers(zero, interval: 0).count == 1)
    }
}

@Suite struct RemoteWriteRequestTests {
    @Test func protobufOfOneSeries() {
        let bytes = RemoteWriteRequest.protobuf([RemoteWriteRequest.Series(labels: ["b": "2", "__name__": "m"], samples: [(300, 1.0)])])
        // TimeSeries(labels: [__name__=m, b=2], samples: [value 1.0 (0x3FF0000000000000), timestamp 300 (varint AC 02)])
        let label1: [UInt8] = [0x0A, 0x0D, 0x0A, 0x08] + Array("__name__".utf8) + [0x12, 0x01, 0x6D]
        let label2: [UInt8] = [0x0A, 0x06, 0x0A, 0x01, 0x62, 0x12, 0x01, 0x32]
        let sample: [UInt8] = [0x12, 0x0C, 0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x10, 0xAC, 0x02]
        let series = label1 + label2 + sample
        #expect(bytes == [0x0A, UInt8(series.count)] + series)
    }

    @Test func snappyLiteralHeaders() {
        #expect(RemoteWriteRequest.snappyBlock([]) == [0])
        #expect(RemoteWriteRequest.snappyBlock([7]) == [1, 0, 7])
        #expect(Array(RemoteWriteRequest.snappyBlock(Array(repeating: 1, count: 60)).prefix(2)) == [60, 59 << 2])
        #expect(Array(RemoteWriteRequest.snappyBlock(Array(repeating: 1, count: 61)).prefix(3)) == [61, 60 << 2, 60])
        #expect(Array(RemoteWriteRequest.snappyBlock(Array(repeating: 1, count: 300)).prefix(5)) == [0xAC, 0x02, 61 << 2, 0x2B, 0x01])
        #expect(RemoteWriteRequest.staleMarker.bitPattern == 0x7FF0_0000_0000_0002)
    }
}
