import Testing
@testable import VandineCore

/// Exact-output tests for the text exposition encoder: the output is what Prometheus scrapes, so
/// every byte matters.
@Suite("Exposition encoder")
struct ExpositionEncoderTests {
    @Test("a gauge with HELP, TYPE and no labels")
    func simpleGauge() {
        let text = ExpositionEncoder.encode([.gauge("probe_success", help: "Whether the probe succeeded.", value: 1)])
        #expect(text == """
            # HELP probe_success Whether the probe succeeded.
            # TYPE probe_success gauge
            probe_success 1

            """)
    }

    @Test("no HELP line without help; an empty help gives a bare HELP line; untyped gets a TYPE line")
    func helpPresence() {
        let text = ExpositionEncoder.encode([
            .untyped("b_metric", value: 2),
            .counter("a_total", help: "", value: 3),
        ])
        #expect(text == """
            # HELP a_total
            # TYPE a_total counter
            a_total 3
            # TYPE b_metric untyped
            b_metric 2

            """)
    }

    @Test("no families give empty output")
    func empty() {
        #expect(ExpositionEncoder.encode([MetricFamily]()) == "")
        #expect(ExpositionEncoder.encode(MetricSet()) == "")
    }

    @Test("families sorted by name, samples by label set, labels by name")
    func ordering() {
        let family = MetricFamily(name: "node_cpu_seconds_total", help: "Seconds the CPUs spent in each mode.", type: .counter, samples: [
            Sample(name: "node_cpu_seconds_total", labels: ["mode": "user", "cpu": "1"], value: 5),
            Sample(name: "node_cpu_seconds_total", labels: ["mode": "idle", "cpu": "1"], value: 4),
            Sample(name: "node_cpu_seconds_total", labels: ["mode": "user", "cpu": "0"], value: 3),
            Sample(name: "node_cpu_seconds_total", labels: ["mode": "idle", "cpu": "0"], value: 2),
        ])
        let text = ExpositionEncoder.encode([.gauge("node_load1", help: "1m load average.", value: 0.25), family])
        #expect(text == """
            # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds_total counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 2
            node_cpu_seconds_total{cpu="0",mode="user"} 3
            node_cpu_seconds_total{cpu="1",mode="idle"} 4
            node_cpu_seconds_total{cpu="1",mode="user"} 5
            # HELP node_load1 1m load average.
            # TYPE node_load1 gauge
            node_load1 0.25

            """)
    }

    @Test("a series without labels sorts before labelled ones")
    func unlabelledFirst() {
        let family = MetricFamily(name: "m", type: .gauge, samples: [
            Sample(name: "m", labels: ["a": "x"], value: 1),
            Sample(name: "m", value: 0),
        ])
        #expect(ExpositionEncoder.encode([family]) == "# TYPE m gauge\nm 0\nm{a=\"x\"} 1\n")
    }

    @Test("label values escape backslash, quote and newline; other bytes pass through")
    func labelEscaping() {
        let family = MetricFamily.gauge("m", value: 1, labels: [
            "a": #"C:\dir"#,
            "b": #"say "hi""#,
            "c": "line1\nline2",
            "d": "tab\there ünï 🙂",
            "e": "\"\u{301}",  // a quote followed by a combining mark: one Character, two escapes' worth of care
        ])
        let text = ExpositionEncoder.encode([family])
        let expected = "# TYPE m gauge\n"
            + #"m{a="C:\\dir",b="say \"hi\"",c="line1\nline2",d="tab"# + "\t" + #"here ünï 🙂",e="\""# + "\u{301}" + #""} 1"# + "\n"
        #expect(Array(text.utf8) == Array(expected.utf8))
    }

    @Test("HELP escapes backslash and newline but not quotes")
    func helpEscaping() {
        let text = ExpositionEncoder.encode([.gauge("m", help: "a \\ b\nc \"d\"", value: 1)])
        #expect(text == "# HELP m a \\\\ b\\nc \"d\"\n# TYPE m gauge\nm 1\n")
    }

    @Test("special and formatted values", arguments: [
        (Double.infinity, "+Inf"),
        (-Double.infinity, "-Inf"),
        (Double.nan, "NaN"),
        (0, "0"),
        (-0.0, "0"),
        (1, "1"),
        (-3, "-3"),
        (42, "42"),
        (999_999_999_999_999, "999999999999999"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (0.5, "0.5"),
        (0.00123, "0.00123"),
        (1e-05, "1e-05"),
        (1.5e20, "1.5e+20"),
        (-2.75, "-2.75"),
        (0.1 + 0.2, "0.30000000000000004"),
        (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.leastNonzeroMagnitude, "5e-324"),
    ])
    func valueFormatting(value: Double, expected: String) {
        #expect(ExpositionEncoder.formatValue(value) == expected)
        #expect(ExpositionEncoder.encode([.gauge("v", value: value)]) == "# TYPE v gauge\nv \(expected)\n")
    }

    @Test("timestamps follow the value, negative ones too")
    func timestamps() {
        let family = MetricFamily(name: "t", type: .untyped, samples: [
            Sample(name: "t", labels: ["i": "a"], value: 1, timestamp: 1_700_000_000_123),
            Sample(name: "t", labels: ["i": "b"], value: 2, timestamp: -5),
            Sample(name: "t", labels: ["i": "c"], value: 3, timestamp: Int64.min),
        ])
        #expect(ExpositionEncoder.encode([family]) == """
            # TYPE t untyped
            t{i="a"} 1 1700000000123
            t{i="b"} 2 -5
            t{i="c"} 3 -9223372036854775808

            """)
    }

    @Test("histogram: buckets by numeric le with +Inf last, then _sum and _count, per label set")
    func histogramLayout() {
        // Deliberately shuffled, two label sets, and le values whose string order differs from their numeric order.
        let samples: [Sample] = [
            Sample(name: "h_count", labels: ["path": "/b"], value: 1),
            Sample(name: "h_bucket", labels: ["path": "/b", "le": "+Inf"], value: 1),
            Sample(name: "h_sum", labels: ["path": "/a"], value: 12.5),
            Sample(name: "h_bucket", labels: ["path": "/a", "le": "10"], value: 3),
            Sample(name: "h_bucket", labels: ["path": "/a", "le": "+Inf"], value: 4),
            Sample(name: "h_bucket", labels: ["path": "/a", "le": "2.5"], value: 2),
            Sample(name: "h_count", labels: ["path": "/a"], value: 4),
            Sample(name: "h_bucket", labels: ["path": "/a", "le": "0.5"], value: 1),
            Sample(name: "h_sum", labels: ["path": "/b"], value: 0.25),
            Sample(name: "h_bucket", labels: ["path": "/b", "le": "1e-3"], value: 0),
        ]
        let text = ExpositionEncoder.encode([MetricFamily(name: "h", help: "Latency.", type: .histogram, samples: samples)])
        #expect(text == """
            # HELP h Latency.
            # TYPE h histogram
            h_bucket{le="0.5",path="/a"} 1
            h_bucket{le="2.5",path="/a"} 2
            h_bucket{le="10",path="/a"} 3
            h_bucket{le="+Inf",path="/a"} 4
            h_sum{path="/a"} 12.5
            h_count{path="/a"} 4
            h_bucket{le="1e-3",path="/b"} 0
            h_bucket{le="+Inf",path="/b"} 1
            h_sum{path="/b"} 0.25
            h_count{path="/b"} 1

            """)
    }

    @Test("the histogram convenience adds a +Inf bucket and formats le")
    func histogramConvenience() {
        let family = MetricFamily.histogram(
            "probe_seconds", help: "Probe time.",
            buckets: [(upperBound: 1, count: 3), (upperBound: 0.25, count: 1)],
            sum: 1.5, count: 4, labels: ["module": "icmp"])
        #expect(ExpositionEncoder.encode([family]) == """
            # HELP probe_seconds Probe time.
            # TYPE probe_seconds histogram
            probe_seconds_bucket{le="0.25",module="icmp"} 1
            probe_seconds_bucket{le="1",module="icmp"} 3
            probe_seconds_bucket{le="+Inf",module="icmp"} 4
            probe_seconds_sum{module="icmp"} 1.5
            probe_seconds_count{module="icmp"} 4

            """)
    }

    @Test("summary: quantiles ascending, then _sum and _count")
    func summaryLayout() {
        let samples: [Sample] = [
            Sample(name: "s_sum", value: 0.0125),
            Sample(name: "s", labels: ["quantile": "1"], value: 0.0002),
            Sample(name: "s_count", value: 245),
            Sample(name: "s", labels: ["quantile": "0.25"], value: 0.00003),
            Sample(name: "s", labels: ["quantile": "0"], value: 0.00002),
            Sample(name: "s", labels: ["quantile": "0.75"], value: 0.00005),
            Sample(name: "s", labels: ["quantile": "0.5"], value: 0.00004),
        ]
        let text = ExpositionEncoder.encode([MetricFamily(name: "s", type: .summary, samples: samples)])
        #expect(text == """
            # TYPE s summary
            s{quantile="0"} 2e-05
            s{quantile="0.25"} 3e-05
            s{quantile="0.5"} 4e-05
            s{quantile="0.75"} 5e-05
            s{quantile="1"} 0.0002
            s_sum 0.0125
            s_count 245

            """)
    }

    @Test("families with the same name are merged into one block")
    func duplicateFamiliesMerged() {
        let text = ExpositionEncoder.encode([
            .gauge("g", value: 1, labels: ["x": "2"]),
            .gauge("g", help: "Help from the second.", value: 2, labels: ["x": "1"]),
        ])
        #expect(text == """
            # HELP g Help from the second.
            # TYPE g gauge
            g{x="1"} 2
            g{x="2"} 1

            """)
    }

    @Test("a family without samples still declares itself")
    func emptyFamily() {
        #expect(ExpositionEncoder.encode([MetricFamily(name: "e", help: "Nothing yet.", type: .histogram)]) == """
            # HELP e Nothing yet.
            # TYPE e histogram

            """)
    }

    @Test("encoding a MetricSet")
    func metricSet() {
        var set = MetricSet()
        set.gauge("z_up", 1, help: "Up.")
        set.counter("a_total", 7, help: "Things.", labels: ["kind": "x"])
        #expect(ExpositionEncoder.encode(set) == """
            # HELP a_total Things.
            # TYPE a_total counter
            a_total{kind="x"} 7
            # HELP z_up Up.
            # TYPE z_up gauge
            z_up 1

            """)
    }

    @Test("MetricSet merges families, replaces duplicate series and records type conflicts")
    func metricSetSemantics() {
        var set = MetricSet()
        set.gauge("temp_celsius", 40, help: "Temperature.", labels: ["zone": "0"])
        set.gauge("temp_celsius", 41, help: "Ignored, the first help wins.", labels: ["zone": "1"])
        set.gauge("temp_celsius", 42, help: "Temperature.", labels: ["zone": "0"])  // replaces 40
        set.counter("temp_celsius", 1, help: "Wrong type.")
        #expect(set.conflicts == [MetricSetConflict(name: "temp_celsius", existingType: .gauge, rejectedType: .counter)])
        #expect(set.conflicts.first?.description == "metric \"temp_celsius\" was added as counter but is already a gauge; the counter samples were dropped")
        #expect(set.families.count == 1)
        #expect(set.families.first?.help == "Temperature.")
        #expect(set.sample(named: "temp_celsius", labels: ["zone": "0"]) == 42)
        #expect(set.sample(named: "temp_celsius", labels: ["zone": "1"]) == 41)
        #expect(set.sample(named: "temp_celsius") == nil)

        var other = MetricSet()
        other.add(.histogram("lat", buckets: [(upperBound: 1, count: 2)], sum: 1, count: 2))
        other.untyped("raw", 3)
        other.add(.gauge("temp_celsius", value: 1))
        other.add(.counter("raw", value: 9))  // conflict inside `other`
        set.merge(other)
        #expect(set.families.map(\.name) == ["lat", "raw", "temp_celsius"])
        #expect(set.sample(named: "lat_bucket", labels: ["le": "+Inf"]) == 2)
        #expect(set.sample(named: "lat_count") == 2)
        #expect(set.sample(named: "temp_celsius") == 1)
        #expect(set.conflicts.count == 2)
        #expect(set.family(named: "raw")?.type == .untyped)
        #expect(!set.isEmpty)
    }

    @Test("MetricSet.families is sorted by name")
    func metricSetSorted() {
        let set = MetricSet([.gauge("c", value: 1), .gauge("a", value: 1), .gauge("b", value: 1)])
        #expect(set.families.map(\.name) == ["a", "b", "c"])
    }

    @Test("family equality ignores sample order and treats NaN as equal")
    func familyEquality() {
        let a = MetricFamily(name: "f", type: .gauge, samples: [
            Sample(name: "f", labels: ["x": "1"], value: .nan),
            Sample(name: "f", labels: ["x": "2"], value: 2),
        ])
        var b = a
        b.samples.reverse()
        #expect(a == b)
        b.samples[0].value = 3
        #expect(a != b)
        var c = a
        c.help = "different"
        #expect(a != c)
        #expect(Sample(name: "x", value: .nan) == Sample(name: "x", value: .nan))
        #expect(Sample(name: "x", value: 0) == Sample(name: "x", value: -0.0))
        #expect(Sample(name: "x", value: 1, timestamp: 1) != Sample(name: "x", value: 1))
    }

    @Test("encoding 10k series stays fast")
    func performanceSmoke() {
        var samples: [Sample] = []
        for cpu in 0..<100 {
            for mode in ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user", "guest", "x"] {
                for k in 0..<10 {
                    samples.append(Sample(name: "node_cpu_seconds_total", labels: ["cpu": "\(cpu)", "mode": mode, "k": "\(k)"], value: Double(cpu * 1000 + k) + 0.25))
                }
            }
        }
        let family = MetricFamily(name: "node_cpu_seconds_total", help: "CPU.", type: .counter, samples: samples)
        let clock = ContinuousClock()
        var text = ""
        let elapsed = clock.measure { text = ExpositionEncoder.encode([family]) }
        #expect(text.utf8.count > 400_000)
        // Generous bound for a debug build on a slow CI machine; a release build takes a few ms.
        #expect(elapsed < .seconds(5))
    }
}
