@testable import AlertCore
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// The series notation → OpenMetrics → `promtool tsdb create-blocks-from openmetrics` → a
/// temporary Prometheus, queried at virtual times: each answer is what the notation says.
@Suite(.serialized) struct PrometheusBackfillTests {
    static let store = PrometheusBackfill(makeDatasource: RuleEngineBinding.makeDatasource)

    static func values(_ loaded: any LoadedTestSeries, _ expression: String, at time: Double) async throws -> [Double] {
        try await loaded.datasource.query(expression, at: time).map(\.value)
    }

    @Test func queriesAtVirtualTimesReturnTheNotationsValues() async throws {
        let series = [
            InputSeries(labels: ["__name__": "m", "a": "1"], points: try SeriesValues.expand("1+1x3 _ stale 7 Inf NaN")),
            InputSeries(labels: ["__name__": "other", "job": "x"], points: try SeriesValues.expand("-2x10")),
        ]
        let loaded = try await Self.store.load(series, interval: 60_000)
        let prometheus = try #require(loaded as? TemporaryPrometheus)
        defer { Task { await loaded.close() } }
        /// (Unix time, the values `m` has there)
        let expected: [(Double, [Double])] = [
            (0, [1]), (60, [2]), (90, [2]), (120, [3]), (180, [4]),
            (240, [4]),        // `_`: the 5-minute lookback still sees 4
            (300, []),         // `stale`: a real staleness marker, sent by remote write
            (359, []),
            (360, [7]), (420, [.infinity]),
            (780, [.nan]),     // last sample at 480: Prometheus 2.x's lookback [t-5m, t] still holds it
            (781, []),         // gone
        ]
        for (time, values) in expected {
            let got = try await Self.values(loaded, "m", at: time)
            #expect(got.count == values.count && zip(got, values).allSatisfy { $0.bitPattern == $1.bitPattern || $0 == $1 },
                    "m at \(time): got \(got), expected \(values)")
        }
        #expect(try await Self.values(loaded, #"other{job="x"}"#, at: 600) == [-2])
        #expect(try await loaded.datasource.query("m", at: 0).first?.labels == ["__name__": "m", "a": "1"])
        await loaded.close()
        #expect(kill(prometheus.process.pid, 0) == -1 && errno == ESRCH, "Prometheus is killed and reaped")
        #expect(access(prometheus.directory, F_OK) != 0, "its folder is removed")
    }

    /// promtool's stale marker hides the series at once, as the backfill above does at 300 and 359.
    @Test func promtoolHidesAStaleSeriesAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("stale.yml", """
        tests:
          - interval: 1m
            input_series:
              - series: 'm{a="1"}'
                values: '1+1x3 _ stale 7'
            promql_expr_test:
              - expr: m
                eval_time: 4m
                exp_samples: [{labels: 'm{a="1"}', value: 4}]
              - expr: m
                eval_time: 5m
                exp_samples: []

        """)
        let result = try await Command.runOffPool("promtool", ["test", "rules", file])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func intervalZeroPutsEveryPointAtTimeZero() async throws {
        let loaded = try await Self.store.load([InputSeries(labels: ["__name__": "m"], points: try SeriesValues.expand("5 6 7"))], interval: 0)
        defer { Task { await loaded.close() } }
        #expect(try await Self.values(loaded, "m", at: 0) == [5])
        #expect(try await Self.values(loaded, "m", at: 240) == [5])
        #expect(try await Self.values(loaded, "m", at: 360) == [])
        await loaded.close()
    }

    @Test func noSamplesStillStartsAnEmptyPrometheus() async throws {
        let loaded = try await Self.store.load([InputSeries(labels: ["__name__": "m"], points: [.omitted])], interval: 60_000)
        #expect(try await Self.values(loaded, "m", at: 0) == [])
        #expect(try await Self.values(loaded, "vector(3)", at: 0) == [3])
        await loaded.close()
    }

    @Test func aMissingPrometheusIsOneClearError() async throws {
        let store = PrometheusBackfill(prometheus: "/nonexistent/prometheus", makeDatasource: RuleEngineBinding.makeDatasource)
        do {
            _ = try await store.load([InputSeries(labels: ["__name__": "m"], points: [.value(1)])], interval: 1000)
            Issue.record("load succeeded without prometheus")
        } catch {
            #expect("\(error)" == "/nonexistent/prometheus not found")
        }
    }
}
