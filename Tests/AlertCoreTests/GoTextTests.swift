@testable import AlertCore
import Testing

/// Go's spellings that promtool prints (strconv.FormatFloat 'E', time.Duration, labels.String).
@Suite struct GoTextTests {
    @Test func exponentFormatMatchesStrconv() {
        // Right-hand sides as printed by promtool 2.42 (exp/got of promql_expr_test failures).
        #expect(GoText.exponent(3) == "3E+00")
        #expect(GoText.exponent(0) == "0E+00")
        #expect(GoText.exponent(60) == "6E+01")
        #expect(GoText.exponent(120) == "1.2E+02")
        #expect(GoText.exponent(0.30000000000000004) == "3.0000000000000004E-01")
        #expect(GoText.exponent(0.15) == "1.5E-01")
        #expect(GoText.exponent(-2) == "-2E+00")
        #expect(GoText.exponent(1e300) == "1E+300")
        #expect(GoText.exponent(.leastNonzeroMagnitude) == "5E-324")
        #expect(GoText.exponent(.infinity) == "+Inf")
        #expect(GoText.exponent(-.infinity) == "-Inf")
        #expect(GoText.exponent(.nan) == "NaN")
    }

    @Test func durationsAsGoPrintsThem() {
        #expect(GoText.duration(milliseconds: 0) == "0s")
        #expect(GoText.duration(milliseconds: 500) == "500ms")
        #expect(GoText.duration(milliseconds: 60_000) == "1m0s")
        #expect(GoText.duration(milliseconds: 90_500) == "1m30.5s")
        #expect(GoText.duration(milliseconds: 3_600_000) == "1h0m0s")
        #expect(GoText.duration(milliseconds: 5 * 3_600_000 + 61_000) == "5h1m1s")
        #expect(PrometheusDurationText.string(120_000) == "2m")
        #expect(PrometheusDurationText.string(0) == "0s")
        #expect(PrometheusDurationText.string(90 * 60_000) == "1h30m")
    }

    @Test func labelsAndQuotingAsPrometheusPrintsThem() {
        #expect(GoText.labels([:]) == "{}")
        #expect(GoText.labels(["b": "2", "a": "x\"y\\z\n\u{1}é"]) == #"{a="x\"y\\z\n\x01é", b="2"}"#)
    }

    @Test func alertValuesAsGoFormatsThem() {
        #expect(GoText.value(0) == "0")
        #expect(GoText.value(0.5) == "0.5")
        #expect(GoText.value(.infinity) == "+Inf")
        #expect(GoText.value(.nan) == "NaN")
    }
}
