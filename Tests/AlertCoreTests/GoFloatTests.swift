import Testing
@testable import AlertCore

/// Go's strconv.FormatFloat rules that the table from Prometheus does not reach, checked against
/// values whose Go output is fixed by the Go specification and its tests (strconv/ftoa_test.go).
@Suite struct GoFloatTests {
    @Test(arguments: [
        (1.0, "g", -1, "1"), (0.1, "g", -1, "0.1"), (1e6, "g", -1, "1e+06"), (100000.0, "g", -1, "100000"),
        (1e-5, "g", -1, "1e-05"), (0.0001, "g", -1, "0.0001"), (-0.0, "g", -1, "-0"), (123456789.0, "g", -1, "1.23456789e+08"),
        (0.5, "f", 0, "0"), (1.5, "f", 0, "2"), (2.5, "f", 0, "2"), (1.005, "f", 2, "1.00"), (0.125, "f", 2, "0.12"),
        (9.5, "e", 0, "1e+01"), (1e23, "e", 3, "1.000e+23"), (1e-7, "f", 10, "0.0000001000"),
        (12345.0, "g", 4, "1.234e+04"), (1000.0, "g", 4, "1000"), (0.00012345, "g", 2, "0.00012"), (99999.0, "g", 4, "1e+05"),
        (Double.infinity, "g", 4, "+Inf"), (-Double.infinity, "f", 2, "-Inf"), (Double.nan, "e", -1, "NaN"),
        (Double.leastNonzeroMagnitude, "e", -1, "5e-324"), (1.7976931348623157e308, "g", -1, "1.7976931348623157e+308"),
    ] as [(Double, String, Int, String)])
    func formatFloat(value: Double, format: String, precision: Int, expected: String) {
        #expect(GoFloat.format(value, Character(format), precision: precision) == expected)
    }

    /// Property: the shortest form reads back as the same Double (round trip), for many random values.
    @Test func shortestRoundTrips() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Double(bitPattern: state >> 1)
            guard value.isFinite else { continue }
            let text = GoFloat.format(value, "g", precision: -1)
            #expect(Double(text) == value, "\(value) printed as \(text)")
        }
    }

    /// Property: 'e' with 17 significant digits of the exact expansion also round-trips.
    @Test func exactExpansionRoundTrips() {
        var state: UInt64 = 12345
        for _ in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Double(bitPattern: state >> 2)
            guard value.isFinite else { continue }
            #expect(Double(GoFloat.format(value, "e", precision: 16)) == value)
        }
    }
}
