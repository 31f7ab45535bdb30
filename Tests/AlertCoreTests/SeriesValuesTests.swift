@testable import AlertCore
import Testing

/// The expanding notation of `input_series[].values`, against what promtool 2.42 loads for the
/// same strings (measured with `promql_expr_test` queries at every step; see docs/rule-tests.md).
@Suite struct SeriesValuesTests {
    static let v = SeriesPoint.value

    /// (notation, the points promtool 2.42 loads)
    static let expansions: [(String, [SeriesPoint])] = [
        ("1+1x3", [v(1), v(2), v(3), v(4)]),
        ("1-2x2", [v(1), v(-1), v(-3)]),
        ("-1+1x2", [v(-1), v(0), v(1)]),
        ("1+1x0", [v(1)]),
        ("2x3", [v(2), v(2), v(2), v(2)]),
        ("_x2 1", [.omitted, .omitted, v(1)]),
        ("1 _ 2", [v(1), .omitted, v(2)]),
        ("1x2 stale 3", [v(1), v(1), v(1), .stale, v(3)]),
        ("Inf -Inf NaN +Inf", [v(.infinity), v(-.infinity), v(.nan), v(.infinity)]),
        ("1 inf Nan", [v(1), v(.infinity), v(.nan)]),
        ("1 +2", [v(1), v(2)]),
        ("1 -2x1", [v(1), v(-2), v(-2)]),
        ("+1x1", [v(1), v(1)]),
        ("  2  3 ", [v(2), v(3)]),
        ("1e3 .5 1.5e-1x1", [v(1000), v(0.5), v(0.15), v(0.15)]),
        // Go adds the step again and again, so the float error shows as it does in promtool.
        ("0.1+0.1x3", [v(0.1), v(0.2), v(0.30000000000000004), v(0.4)]),
        ("0x2", [v(0), v(0), v(0)]),
        ("stale", [.stale]),
        ("_", [.omitted]),
        ("", []),
    ]

    @Test(arguments: expansions.indices)
    func expandsLikePromtool(_ index: Int) throws {
        let (notation, expected) = Self.expansions[index]
        #expect(try SeriesValues.expand(notation) == expected, "\(notation)")
    }

    /// Strings promtool 2.42 refuses (each is a parse error there too), with where we stop.
    static let refused: [(String, Int)] = [
        ("abc", 1), ("1 2 x", 5), ("1x", 3), ("1+x3", 3), ("1+2", 4), ("1 2 -", 6),
        ("NaNx1", 1), ("stalex1", 1), ("1_x2", 2), ("1x1x1", 4), ("_3", 2),
    ]

    @Test(arguments: refused.indices)
    func refusesWhatPromtoolRefuses(_ index: Int) {
        let (notation, column) = Self.refused[index]
        #expect(throws: SeriesValuesError.self, "\(notation)") { try SeriesValues.expand(notation) }
        do {
            _ = try SeriesValues.expand(notation)
        } catch {
            #expect(error.column == column, "\(notation): \(error)")
        }
    }

    @Test func seriesSelectorsParseAsPromQLWritesThem() throws {
        #expect(try SeriesSelector.parse("up") == ["__name__": "up"])
        #expect(try SeriesSelector.parse(#"up{instance="pi0:9100", job='node',}"#) == ["__name__": "up", "instance": "pi0:9100", "job": "node"])
        #expect(try SeriesSelector.parse(#"{__name__="a:b", x="q\"\n\u00e9"}"#) == ["__name__": "a:b", "x": "q\"\n\u{e9}"])
        #expect(try SeriesSelector.parse("m{a=`raw\\n`}") == ["__name__": "m", "a": "raw\\n"])
        #expect(throws: SeriesValuesError.self) { try SeriesSelector.parse(#"up{job=~"n.*"}"#) }
        #expect(throws: SeriesValuesError.self) { try SeriesSelector.parse(#"up{job="node""#) }
        #expect(throws: SeriesValuesError.self) { try SeriesSelector.parse(#"up{job="a", job="b"}"#) }
        #expect(try SeriesSelector.parse("{}") == [:])
        #expect(throws: SeriesValuesError.self) { try SeriesSelector.parse("{") }
        #expect(throws: SeriesValuesError.self) { try SeriesSelector.parse("up extra") }
    }
}
