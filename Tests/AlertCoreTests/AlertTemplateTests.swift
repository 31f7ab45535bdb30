import Testing
@testable import AlertCore

/// The Go-template engine against outputs Prometheus 2.42 produced for the same templates
/// (PrometheusTemplateOutputs.swift), plus parse errors as promtool reports them.
@Suite struct AlertTemplateTests {
    static let labels = ["__name__": "m", "instance": "host:9100", "job": "node"]

    static func data(_ value: Double) -> TemplateData {
        TemplateData(labels: labels, value: value, externalLabels: ["cluster": "c1"], externalURL: "http://ext:9093/am")
    }

    static func double(_ text: String) -> Double {
        switch text {
        case "NaN": .nan
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)!
        }
    }

    /// Expands as Prometheus's alerting rule does: an error becomes `<error expanding template: …>`.
    static func expand(_ source: String, value: Double) -> String {
        do {
            return try AlertTemplate(parsing: source, name: "__alert_T").expandShowingErrors(data(value))
        } catch {
            return "parse error: \(error.message)"
        }
    }

    @Test(arguments: goNumberCases.indices)
    func numberFormattingMatchesPrometheus(_ index: Int) {
        let row = goNumberCases[index]
        #expect(Self.expand(row.template, value: Self.double(row.value)) == row.expected, "value \(row.value): \(row.template)")
    }

    @Test(arguments: goTemplateCases.indices)
    func templatesMatchPrometheus(_ index: Int) {
        let row = goTemplateCases[index]
        #expect(Self.expand(row.template, value: 42) == row.expected, "\(row.template)")
    }

    /// Parse errors carry Go's text, as promtool check rules 2.42 printed it for each of these
    /// (except `query` and `template`, which alertmanager-lite refuses and Prometheus accepts).
    @Test(arguments: [
        ("{{ foo }}", "template: __alert_A:1: function \"foo\" not defined"),
        ("{{ $labels.x ", "template: __alert_A:1: unclosed action"),
        ("{{ if $value }}x", "template: __alert_A:1: unexpected EOF"),
        ("line\n{{ end }}", "template: __alert_A:2: unexpected {{end}}"),
        ("{{ $nope }}", "template: __alert_A:1: undefined variable \"$nope\""),
        ("{{ query \"up\" }}", "template: __alert_A:1: function \"query\" is not supported: alertmanager-lite does not run queries from templates"),
        ("{{ \"unterminated }}", "template: __alert_A:1: unterminated quoted string"),
        ("{{ /* c */ }}", "template: __alert_A:1: unexpected \"/\" in command"),
        ("{{ 3x }}", "template: __alert_A:1: bad number syntax: \"3x\""),
        ("{{ # }}", "template: __alert_A:1: unexpected \"#\" in command"),
        ("{{ else }}", "template: __alert_A:1: unexpected {{else}}"),
        ("{{ if }}{{ end }}", "template: __alert_A:1: missing value for if"),
        ("{{ | humanize }}", "template: __alert_A:1: unexpected \"|\" in command"),
        ("{{ $value | 3 }}", "template: __alert_A:1: non executable command in pipeline stage 2"),
        ("{{ humanize ( }}", "template: __alert_A:1: unclosed left paren"),
        ("{{ $x := }}", "template: __alert_A:1: missing value for command"),
        ("{{ range $a, $b, $c := $labels }}{{end}}", "template: __alert_A:1: too many declarations in range"),
        ("{{ ) }}", "template: __alert_A:1: unexpected \")\" in command"),
        ("{{/* unclosed }}", "template: __alert_A:1: unclosed comment"),
        ("{{ 'ab' }}", "template: __alert_A:1: malformed character constant: 'ab'"),
        ("{{ \"a\"\"b\" }}", "template: __alert_A:1: unexpected \"\\\"b\\\"\" in operand"),
        ("{{ break }}", "template: __alert_A:1: {{break}} outside {{range}}"),
        ("{{ range $labels }}{{ else }}{{ break }}{{ end }}", "template: __alert_A:1: {{break}} outside {{range}}"),
        ("{{ if true }}{{ continue }}{{ end }}", "template: __alert_A:1: {{continue}} outside {{range}}"),
        ("{{ template \"x\" }}", "template: __alert_A:1: {{template}} is not supported in alert templates"),
    ])
    func parseErrors(source: String, expected: String) {
        #expect(throws: TemplateError(expected)) { try AlertTemplate(parsing: source, name: "__alert_A") }
    }

    /// Prometheus runs label and annotation templates with `missingkey=zero`: a label the series
    /// lacks is the empty string, and `externalURL`/`pathPrefix` come from the data.
    @Test func missingLabelsAndURLFunctions() throws {
        let template = try AlertTemplate(parsing: "[{{ $labels.absent }}][{{ index $labels \"absent\" }}] {{ externalURL }} {{ pathPrefix }}", name: "t")
        #expect(try template.expand(Self.data(1)) == "[][] http://ext:9093/am /am")
    }

    /// Arguments given to a field: Go's message, checked with promtool test rules 2.42.
    @Test(arguments: [
        ("{{ $labels.job 1 }}", "<error expanding template: error executing template __alert_T: template: __alert_T:1:122: executing \"__alert_T\" at <$labels.job>: job is not a method but has arguments>"),
        ("{{ $value | $labels.job }}", "<error expanding template: error executing template __alert_T: template: __alert_T:1:131: executing \"__alert_T\" at <$labels.job>: job is not a method but has arguments>"),
        ("{{ 3 | $labels.job }}", "<error expanding template: error executing template __alert_T: template: __alert_T:1:126: executing \"__alert_T\" at <$labels.job>: job is not a method but has arguments>"),
    ])
    func argumentsToAField(source: String, expected: String) {
        #expect(Self.expand(source, value: 42) == expected)
    }

    /// `%x` / `%X` of a float64 is Go's hex float (outputs from promtool test rules 2.42).
    @Test func hexFloats() {
        #expect(Self.expand("{{ printf \"%x|%X|%.2x|%.0x|%10.1x|%x|%x|%x|%x|%x\" 42.0 42.0 0.1 1.5 -3.75 0.0 1e300 5e-324 1.0 0.3 }}", value: 42)
            == "0x1.5p+05|0X1.5P+05|0x1.9ap-04|0x1p+01|-0x1.ep+01|0x0p+00|0x1.7e43c8800759cp+996|0x1p-1074|0x1p+00|0x1.3333333333333p-02")
        #expect(Self.expand("{{ printf \"%x|%x\" $value -0.0 }}", value: 42) == "0x1.5p+05|-0x0p+00")
    }

    /// A template is data, not code: executing it twice gives the same text and no state leaks
    /// between expansions (variables are per expansion).
    @Test func expansionsAreIndependent() throws {
        let template = try AlertTemplate(parsing: "{{ $x := $value }}{{ $x }}", name: "t")
        #expect(try template.expand(Self.data(1)) == "1")
        #expect(try template.expand(Self.data(2.5)) == "2.5")
    }
}

extension AlertTemplateTests {
    /// Regexp syntax errors are execution errors naming the function, as in Prometheus (the RE2
    /// wording after it differs).
    @Test func badRegexIsAnExecutionError() {
        let text = Self.expand("{{ match \"[\" \"x\" }}", value: 1)
        #expect(text.hasPrefix("<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing \"__alert_T\" at <match \"[\" \"x\">: error calling match: error parsing regexp: \"[\": "), "\(text)")
    }
}

extension AlertTemplateTests {
    /// Property: any text made of template syntax fragments either parses or throws a
    /// TemplateError, and whatever parses expands or throws a TemplateError — never a crash or a
    /// hang (a rule file is user input; the evaluator must survive every annotation).
    @Test func randomTemplatesNeverCrash() {
        let fragments = ["{{", "}}", "{{- ", " -}}", " ", "\n", "$labels", "$value", ".Labels", ".x", ".", "$", "$x", ":=", "=", "|", "(", ")",
                         "\"s\"", "\"", "`r`", "'c'", "3", "-2", "1.5e3", "0x1f", "if", "else", "end", "range", "with", "break", "continue",
                         "humanize", "printf", "\"%5.2f %d %s %q %x %\"", "index", "len", "eq", "and", "or", "not", "nil", "true", "/*", "*/",
                         "reReplaceAll", "\"(a\"", "\"$1\"", "match", "title", "humanizeDuration", "humanizeTimestamp", ",", "#", "text"]
        var state: UInt64 = 0xDEAD_BEEF
        var parsed = 0
        for _ in 0..<20000 {
            var source = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<(Int(state >> 60) + 1) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                source += fragments[Int(state >> 33) % fragments.count]
            }
            guard let template = try? AlertTemplate(parsing: source, name: "fuzz") else { continue }
            parsed += 1
            _ = try? template.expand(Self.data(Double(bitPattern: state)))
        }
        #expect(parsed > 1000)
    }
}

extension AlertTemplateTests {
    /// Property check against Prometheus: 150 random values × 6 number templates, all equal.
    @Test func randomValuesFormatLikePrometheus() {
        var mismatches = 0
        for row in goRandomNumberCases {
            let got = Self.expand(row.template, value: Double(row.value)!)
            if got != row.expected {
                mismatches += 1
                if mismatches <= 10 { Issue.record("value \(row.value) \(row.template): got \(got), Prometheus \(row.expected)") }
            }
        }
        #expect(mismatches == 0 && goRandomNumberCases.count == 900)
    }
}
