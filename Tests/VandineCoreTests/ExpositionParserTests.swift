import Testing
@testable import VandineCore

/// Parser tests: every accepted form, and every error with its exact line and message.
@Suite("Exposition parser")
struct ExpositionParserTests {
    private func parse(_ text: String) throws -> [MetricFamily] {
        try ExpositionParser.parse(text)
    }

    private func parseError(_ text: String) -> ExpositionParseError? {
        do {
            _ = try ExpositionParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Accepted forms

    @Test("HELP, TYPE and samples form one family")
    func basicFamily() throws {
        let families = try parse("""
            # HELP probe_success Displays whether or not the probe was a success
            # TYPE probe_success gauge
            probe_success 1
            """)
        #expect(families == [MetricFamily(name: "probe_success", help: "Displays whether or not the probe was a success", type: .gauge,
                                          samples: [Sample(name: "probe_success", value: 1)])])
    }

    @Test("empty input and comment-only input give no families")
    func emptyInputs() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n  \n\t\n").isEmpty)
        #expect(try parse("# just a comment\n#another\n# HELP\n# TYPE\n#\n").isEmpty)
    }

    @Test("series without HELP or TYPE are their own untyped families, in first-seen order")
    func untypedSeries() throws {
        let families = try parse("b 1\na{x=\"1\"} 2\nb 3\n")
        #expect(families.map(\.name) == ["b", "a"])
        #expect(families[0] == MetricFamily(name: "b", type: .untyped, samples: [Sample(name: "b", value: 1), Sample(name: "b", value: 3)]))
        #expect(families[1].type == .untyped)
        #expect(families[1].samples == [Sample(name: "a", labels: ["x": "1"], value: 2)])
    }

    @Test("timestamps, including negative and signed ones")
    func timestamps() throws {
        let families = try parse("m 1 1700000000000\nm{a=\"b\"} 2 -42\nm{a=\"c\"} 3 +7\nm{a=\"d\"} 4 -9223372036854775808\n")
        #expect(families[0].samples.map(\.timestamp) == [1_700_000_000_000, -42, 7, Int64.min])
    }

    @Test("values in Go ParseFloat syntax", arguments: [
        ("1", 1.0), ("-3", -3), ("+5", 5), ("0", 0), ("1.5", 1.5), (".5", 0.5), ("5.", 5), ("-.5e-3", -0.0005),
        ("1e3", 1000), ("1E3", 1000), ("2.5e+20", 2.5e20), ("1e400", .infinity), ("-1e400", -.infinity), ("1e-400", 0),
        ("+Inf", .infinity), ("-Inf", -.infinity), ("Inf", .infinity), ("inf", .infinity), ("+infinity", .infinity),
        ("-Infinity", -.infinity), ("INF", .infinity), ("0.30000000000000004", 0.30000000000000004),
        ("123456789012345678901234567890", 1.2345678901234568e29), ("000000000000000000001", 1),
        ("9007199254740993", 9007199254740992),
    ])
    func values(text: String, expected: Double) throws {
        let families = try parse("m \(text)\n")
        #expect(families.first?.samples.first?.value == expected)
    }

    @Test("NaN in any case")
    func nan() throws {
        for text in ["NaN", "nan", "NAN"] {
            #expect(try parse("m \(text)").first?.samples.first?.value.isNaN == true)
        }
    }

    @Test("escaped label values")
    func escapedLabelValues() throws {
        let families = try parse(#"m{a="C:\\dir",b="say \"hi\"",c="l1\nl2",d="ünï 🙂",e=""} 1"#)
        #expect(families[0].samples[0].labels == ["a": #"C:\dir"#, "b": #"say "hi""#, "c": "l1\nl2", "d": "ünï 🙂", "e": ""])
    }

    @Test("trailing comma, empty braces and whitespace everywhere")
    func whitespaceAndCommas() throws {
        let families = try parse("m{a=\"b\",} 1\n  m  { a = \"c\" ,\tb=\"d\" , }\t2\t 5 \nm{} 3\nm{a=\"e\"}4\n")
        #expect(families.count == 1)
        #expect(families[0].samples == [
            Sample(name: "m", labels: ["a": "b"], value: 1),
            Sample(name: "m", labels: ["a": "c", "b": "d"], value: 2, timestamp: 5),
            Sample(name: "m", value: 3),
            Sample(name: "m", labels: ["a": "e"], value: 4),
        ])
    }

    @Test("CRLF line endings and blank lines")
    func crlf() throws {
        let families = try parse("# HELP m The help.\r\n# TYPE m counter\r\n\r\nm_total 1\r\nm 2\r\n")
        #expect(families.map(\.name) == ["m", "m_total"])
        #expect(families[0].help == "The help.")
        #expect(families[0].samples == [Sample(name: "m", value: 2)])
    }

    @Test("HELP without text, HELP escapes, other backslashes kept")
    func helpForms() throws {
        let families = try parse("# HELP a\n# HELP b   \n# HELP c x \\\\ y \\n z \\q \\\n# HELP\td\t\tspaced  text \n")
        #expect(families.map(\.help) == ["", "", "x \\ y \n z \\q \\", "spaced  text "])
        #expect(families.allSatisfy { $0.type == .untyped && $0.samples.isEmpty })
    }

    @Test("other comments and # EOF")
    func commentsAndEOF() throws {
        let families = try parse("""
            # some comment
            #HELP not_a_help_line because no blank after the hash is still read as HELP
            # HELPER is not a keyword
            m 1
            # EOF
            this line is never read {{{
            """)
        #expect(families.map(\.name) == ["not_a_help_line", "m"])
    }

    @Test("histogram samples join the declared family; the same suffixes elsewhere do not")
    func histogramGrouping() throws {
        let families = try parse("""
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="+Inf"} 2
            h_sum 3
            h_count 2
            other_bucket 1
            h_total 5
            """)
        #expect(families.map(\.name) == ["h", "other_bucket", "h_total"])
        #expect(families[0].type == .histogram)
        #expect(families[0].samples.map(\.name) == ["h_bucket", "h_bucket", "h_sum", "h_count"])
        #expect(families[1].type == .untyped)
    }

    @Test("summary takes _sum and _count and its quantile lines but not _bucket")
    func summaryGrouping() throws {
        let families = try parse("""
            # TYPE s summary
            s{quantile="0.5"} 1
            s_sum 2
            s_count 3
            s_bucket 4
            """)
        #expect(families.map(\.name) == ["s", "s_bucket"])
        #expect(families[0].samples.count == 3)
    }

    @Test("an exact family name wins over a histogram suffix")
    func exactNameWins() throws {
        let families = try parse("""
            # TYPE x histogram
            x_count 1
            # TYPE x_count gauge
            x_count 2
            """)
        #expect(families.map(\.name) == ["x", "x_count"])
        #expect(families[0].samples == [Sample(name: "x_count", value: 1)])
        #expect(families[1].samples == [Sample(name: "x_count", value: 2)])
        #expect(families[1].type == .gauge)
    }

    @Test("samples of a family need not be contiguous")
    func interleaved() throws {
        let families = try parse("a 1\nb 2\na{x=\"y\"} 3\n")
        #expect(families.map(\.name) == ["a", "b"])
        #expect(families[0].samples.count == 2)
    }

    @Test("invalid UTF-8 is repaired, never a crash")
    func invalidUTF8() throws {
        let bytes: [UInt8] = Array("m{a=\"".utf8) + [0xFF, 0xC3] + Array("\"} 1\n".utf8)
        let families = try ExpositionParser.parse(String(decoding: bytes, as: UTF8.self))
        #expect(families[0].samples[0].labels["a"] == "\u{FFFD}\u{FFFD}")
    }

    // MARK: Errors

    @Test("errors carry the exact line and message", arguments: [
        ("m 1\n1m 2\n", 2, #"invalid metric name "1m""#),
        ("m-x{a=\"b\"} 1", 1, #"invalid metric name "m-x""#),
        ("{a=\"b\"} 1", 1, #"invalid metric name "{a="b"}""#),
        ("m{1a=\"b\"} 1", 1, #"invalid label name "1a""#),
        ("m{a-b=\"c\"} 1", 1, #"invalid label name "a-b""#),
        ("m{a:b=\"c\"} 1", 1, #"invalid label name "a:b""#),
        ("m{,} 1", 1, "expected label name or '}', found ','"),
        ("m{a=\"b\",,} 1", 1, "expected label name or '}', found ','"),
        ("m{", 1, "expected label name or '}', found end of line"),
        ("m{a} 1", 1, #"expected '=' after label name "a""#),
        ("m{a=b} 1", 1, #"expected '"' to start the value of label "a""#),
        ("\n\nm{a=\"b} 1\n", 3, #"unterminated value for label "a""#),
        ("m{a=\"b\\", 1, #"unterminated value for label "a""#),
        ("m{a=\"b\\t\"} 1", 1, #"invalid escape sequence "\t" in the value of label "a""#),
        ("m{a=\"b\\é\"} 1", 1, #"invalid escape sequence "\é" in the value of label "a""#),
        ("m{a=\"b\" c=\"d\"} 1", 1, #"expected ',' or '}' after the value of label "a""#),
        ("m{a=\"b\"", 1, #"expected ',' or '}' after the value of label "a""#),
        ("m{a=\"b\",a=\"c\"} 1", 1, #"duplicate label name "a""#),
        ("m", 1, #"missing value for metric "m""#),
        ("m{a=\"b\"}   ", 1, #"missing value for metric "m""#),
        ("m abc", 1, #"invalid value "abc" for metric "m""#),
        ("m 0x10", 1, #"invalid value "0x10" for metric "m""#),
        ("m 1_000", 1, #"invalid value "1_000" for metric "m""#),
        ("m +NaN", 1, #"invalid value "+NaN" for metric "m""#),
        ("m 1e", 1, #"invalid value "1e" for metric "m""#),
        ("m .", 1, #"invalid value "." for metric "m""#),
        ("m 1 1.5", 1, #"invalid timestamp "1.5" for metric "m""#),
        ("m 1 9223372036854775808", 1, #"invalid timestamp "9223372036854775808" for metric "m""#),
        ("m 1 -", 1, #"invalid timestamp "-" for metric "m""#),
        ("m 1 2 3", 1, #"unexpected text "3" after timestamp"#),
        ("m 1 2 # comment", 1, ##"unexpected text "# comment" after timestamp"##),
        ("# TYPE m gauge\n# TYPE m counter\n", 2, #"second TYPE line for metric "m""#),
        ("# HELP m a\n# HELP m b\n", 2, #"second HELP line for metric "m""#),
        ("m 1\n# TYPE m gauge\n", 2, #"TYPE line for metric "m" after its samples"#),
        ("# TYPE m gaugee\n", 1, #"unknown metric type "gaugee" for metric "m""#),
        ("# TYPE m Counter\n", 1, #"unknown metric type "Counter" for metric "m""#),
        ("# TYPE m\n", 1, #"missing metric type for metric "m""#),
        ("# TYPE m gauge extra\n", 1, #"unexpected text "extra" after metric type"#),
        ("# TYPE 9m gauge\n", 1, #"invalid metric name "9m" in TYPE line"#),
        ("# HELP m.x text\n", 1, #"invalid metric name "m.x" in HELP line"#),
        ("m 1\r\nm 2\r\nm x\r\n", 3, #"invalid value "x" for metric "m""#),
    ])
    func errors(text: String, line: Int, message: String) {
        let error = parseError(text)
        #expect(error == ExpositionParseError(line: line, message: message))
    }

    @Test("the error description is 'line N: message'")
    func errorDescription() {
        #expect(parseError("ok 1\nbad")?.description == #"line 2: missing value for metric "bad""#)
    }

    @Test("long tokens are shortened in error messages")
    func longTokenSnippet() {
        let error = parseError("m " + String(repeating: "x", count: 1000))
        #expect(error?.message == "invalid value \"\(String(repeating: "x", count: 40))…\" for metric \"m\"")
    }

    @Test("weird bytes never trap")
    func weirdBytes() {
        let inputs: [String] = [
            "\0", "{", "}", "\"", "\\", "#", "# TYPE", "# TYPE \0", "m{a=\"\0\"} 1", "m{\u{FFFD}=\"x\"} 1",
            String(repeating: "{", count: 10_000), "m " + String(repeating: "9", count: 5000),
            "m 1 " + String(repeating: "9", count: 5000), "m{a=\"" + String(repeating: "\\\\", count: 5000),
            "\r\r\r\n\r", "m\u{0085}1", "m\u{2028}1", "m 1e99999999999999999999", "m -.e1",
        ]
        for input in inputs {
            _ = try? ExpositionParser.parse(input)
        }
    }

    // MARK: Realistic captures

    @Test("a node_exporter / blackbox_exporter style capture")
    func realisticCapture() throws {
        let text = """
            # HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
            # TYPE go_gc_duration_seconds summary
            go_gc_duration_seconds{quantile="0"} 2.4587e-05
            go_gc_duration_seconds{quantile="0.25"} 3.0813e-05
            go_gc_duration_seconds{quantile="0.5"} 4.1203e-05
            go_gc_duration_seconds{quantile="0.75"} 6.0012e-05
            go_gc_duration_seconds{quantile="1"} 0.000215837
            go_gc_duration_seconds_sum 0.012512298
            go_gc_duration_seconds_count 245
            # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds_total counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 381529.91
            node_cpu_seconds_total{cpu="0",mode="iowait"} 118.5
            node_cpu_seconds_total{cpu="0",mode="user"} 4513.37
            node_cpu_seconds_total{cpu="1",mode="idle"} 381822.13
            # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
            # TYPE node_filesystem_avail_bytes gauge
            node_filesystem_avail_bytes{device="/dev/mmcblk0p2",fstype="ext4",mountpoint="/"} 2.478637056e+10
            node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 3.9378944e+08
            # HELP node_hwmon_temp_celsius Hardware monitor for temperature (input)
            # TYPE node_hwmon_temp_celsius gauge
            node_hwmon_temp_celsius{chip="thermal_thermal_zone0",sensor="temp0"} 48.686
            # HELP node_load1 1m load average.
            # TYPE node_load1 gauge
            node_load1 0.08
            # HELP node_network_receive_bytes_total Network device statistic receive_bytes.
            # TYPE node_network_receive_bytes_total counter
            node_network_receive_bytes_total{device="eth0"} 9.1844513723e+10
            node_network_receive_bytes_total{device="lo"} 1.2087345e+07
            # HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.
            # TYPE node_scrape_collector_success gauge
            node_scrape_collector_success{collector="cpu"} 1
            node_scrape_collector_success{collector="hwmon"} 1
            # HELP node_uname_info Labeled system information as provided by the uname system call.
            # TYPE node_uname_info gauge
            node_uname_info{domainname="(none)",machine="aarch64",nodename="pi1",release="6.1.0-rpi7-rpi-v8",sysname="Linux",version="#1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24)"} 1
            # HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.
            # TYPE prometheus_http_request_duration_seconds histogram
            prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="0.1"} 1502
            prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="0.2"} 1503
            prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="+Inf"} 1504
            prometheus_http_request_duration_seconds_sum{handler="/metrics"} 7.394
            prometheus_http_request_duration_seconds_count{handler="/metrics"} 1504
            # HELP probe_dns_lookup_time_seconds Returns the time taken for probe dns lookup in seconds
            # TYPE probe_dns_lookup_time_seconds gauge
            probe_dns_lookup_time_seconds 2.1e-05
            # HELP probe_icmp_duration_seconds Duration of icmp request by phase
            # TYPE probe_icmp_duration_seconds gauge
            probe_icmp_duration_seconds{phase="resolve"} 2.1e-05
            probe_icmp_duration_seconds{phase="rtt"} 0.000112414
            probe_icmp_duration_seconds{phase="setup"} 7.6235e-05
            # HELP probe_ip_protocol Specifies whether probe ip protocol is IP4 or IP6
            # TYPE probe_ip_protocol gauge
            probe_ip_protocol 4
            # HELP probe_success Displays whether or not the probe was a success
            # TYPE probe_success gauge
            probe_success 1
            # HELP cloudflared_tunnel_server_locations Where each tunnel is connected to. 1 means current location, 0 means previous locations.
            # TYPE cloudflared_tunnel_server_locations gauge
            cloudflared_tunnel_server_locations{connection_id="0",edge_location="lax05"} 1
            cloudflared_tunnel_server_locations{connection_id="1",edge_location="lax07"} 1

            """
        let families = try parse(text)
        #expect(families.count == 14)
        let set = MetricSet(families)
        #expect(set.conflicts.isEmpty)
        #expect(set.sample(named: "go_gc_duration_seconds", labels: ["quantile": "0.5"]) == 4.1203e-05)
        #expect(set.sample(named: "go_gc_duration_seconds_count") == 245)
        #expect(set.sample(named: "node_cpu_seconds_total", labels: ["cpu": "0", "mode": "iowait"]) == 118.5)
        #expect(set.sample(named: "node_filesystem_avail_bytes", labels: ["device": "/dev/mmcblk0p2", "fstype": "ext4", "mountpoint": "/"]) == 24_786_370_560)
        #expect(set.sample(named: "node_network_receive_bytes_total", labels: ["device": "eth0"]) == 91_844_513_723)
        #expect(set.sample(named: "prometheus_http_request_duration_seconds_bucket", labels: ["handler": "/metrics", "le": "+Inf"]) == 1504)
        #expect(set.sample(named: "probe_icmp_duration_seconds", labels: ["phase": "rtt"]) == 0.000112414)
        #expect(set.sample(named: "probe_success") == 1)
        #expect(set.family(named: "go_gc_duration_seconds")?.type == .summary)
        #expect(set.family(named: "prometheus_http_request_duration_seconds")?.samples.count == 5)
        #expect(set.family(named: "node_uname_info")?.samples.first?.labels["version"] == "#1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24)")
        #expect(set.family(named: "cloudflared_tunnel_server_locations")?.samples.count == 2)
    }
}
