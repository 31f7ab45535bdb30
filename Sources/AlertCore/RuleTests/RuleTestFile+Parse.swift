#if canImport(Glibc)
import Glibc
#endif
import VandineCore

extension RuleTestFile {
    /// Reads and parses the test file at `path` (strict: unknown keys are errors, as promtool's
    /// `yaml.UnmarshalStrict`). Relative `rule_files` are resolved against the file's folder and
    /// globbed. Throws a ``ConfigError`` naming the file, line, key path and value.
    public static func load(path: String) throws(ConfigError) -> RuleTestFile {
        let file = try ConfigFile.read(path: path)
        return try parse(yaml: file.text, path: path, directory: file.directory)
    }

    /// Parses test-file text; `path` names it in errors, `directory` anchors relative rule files.
    public static func parse(yaml: String, path: String, directory: String) throws(ConfigError) -> RuleTestFile {
        let root = try ConfigNode.parse(yaml: yaml, file: path)
        let top = try root.mapping(allowedKeys: ["rule_files", "evaluation_interval", "group_eval_order", "tests"])
        var ruleFiles: [String] = []
        var unmatched: [String] = []
        for node in try top["rule_files"]?.list() ?? [] {
            let pattern = try node.string()
            guard !pattern.isEmpty else { continue }
            let resolved = pattern.hasPrefix("/") || directory.isEmpty ? pattern : directory + "/" + pattern
            let matches = glob(resolved)
            if matches.isEmpty { unmatched.append(resolved) }
            ruleFiles += matches
        }
        var interval: Int64 = 0
        if let node = top["evaluation_interval"] { interval = try node.duration().milliseconds }
        if interval == 0 { interval = 60_000 }
        var order: [String] = []
        for node in try top["group_eval_order"]?.list() ?? [] {
            let name = try node.string()
            guard !order.contains(name) else { throw node.error("group name repeated in evaluation order: \(name)") }
            order.append(name)
        }
        let tests = try (top["tests"]?.list() ?? []).map { node throws(ConfigError) in try RuleTestGroup.parse(node) }
        return RuleTestFile(path: path, ruleFiles: ruleFiles, unmatchedPatterns: unmatched, evaluationInterval: interval,
                            groupEvaluationOrder: order, tests: tests)
    }

    /// glob(3) in sorted order, as Go's filepath.Glob; a pattern without metacharacters matches
    /// itself only when the file exists.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in result.gl_pathv[index].map { String(cString: $0) } }
    }
}

extension RuleTestGroup {
    static func parse(_ node: ConfigNode) throws(ConfigError) -> RuleTestGroup {
        let map = try node.mapping(allowedKeys: ["interval", "input_series", "alert_rule_test", "promql_expr_test",
                                                 "external_labels", "external_url", "name"])
        var group = RuleTestGroup()
        if let name = map["name"] { group.name = try name.string() }
        if let interval = map["interval"] { group.interval = try interval.duration().milliseconds }
        for entry in try map["input_series"]?.list() ?? [] {
            let fields = try entry.mapping(allowedKeys: ["series", "values"])
            let seriesNode = try fields.required("series")
            let seriesText = try seriesNode.string()
            let labels: [String: String]
            do { labels = try SeriesSelector.parse(seriesText) } catch {
                throw seriesNode.error("bad series \(quoted(seriesText)): \(error)")
            }
            let valuesNode = try fields.required("values")
            let valuesText = try valuesNode.string()
            let points: [SeriesPoint]
            do { points = try SeriesValues.expand(valuesText) } catch {
                throw valuesNode.error("bad values \(quoted(valuesText)): \(error)")
            }
            group.inputSeries.append(InputSeries(labels: labels, points: points))
        }
        for entry in try map["alert_rule_test"]?.list() ?? [] {
            let fields = try entry.mapping(allowedKeys: ["eval_time", "alertname", "exp_alerts"])
            let time = try fields["eval_time"]?.duration().milliseconds ?? 0
            // A missing alertname is reported when the group runs, with promtool's sentence.
            let name = try fields["alertname"]?.string() ?? ""
            var expected: [ExpectedAlert] = []
            for alertNode in try fields["exp_alerts"]?.list() ?? [] {
                let alert = try alertNode.mapping(allowedKeys: ["exp_labels", "exp_annotations"])
                expected.append(ExpectedAlert(labels: try stringMap(alert["exp_labels"]),
                                              annotations: try stringMap(alert["exp_annotations"])))
            }
            group.alertRuleTests.append(AlertRuleTest(evaluationTime: time, alertName: name, expectedAlerts: expected))
        }
        for entry in try map["promql_expr_test"]?.list() ?? [] {
            let fields = try entry.mapping(allowedKeys: ["expr", "eval_time", "exp_samples"])
            let expression = try fields.required("expr").string()
            let time = try fields["eval_time"]?.duration().milliseconds ?? 0
            var samples: [ExpectedSample] = []
            for sampleNode in try fields["exp_samples"]?.list() ?? [] {
                let sample = try sampleNode.mapping(allowedKeys: ["labels", "value"])
                var labels: [String: String] = [:]
                if let labelsNode = sample["labels"] {
                    let text = try labelsNode.string()
                    do { labels = try SeriesSelector.parse(text) } catch {
                        throw labelsNode.error("bad labels \(quoted(text)): \(error)")
                    }
                }
                var value = 0.0
                if let valueNode = sample["value"] {
                    let text = try valueNode.string()
                    guard let parsed = parseGoFloat(text) else { throw valueNode.error("must be a number, got \(quoted(text))") }
                    value = parsed
                }
                samples.append(ExpectedSample(labels: labels, value: value))
            }
            group.promqlExpressionTests.append(PromQLExpressionTest(expression: expression, evaluationTime: time, expectedSamples: samples))
        }
        group.externalLabels = try stringMap(map["external_labels"])
        if let url = map["external_url"] { group.externalURL = try url.string() }
        return group
    }

    private static func stringMap(_ node: ConfigNode?) throws(ConfigError) -> [String: String] {
        guard let node else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in try node.anyMapping().entries {
            result[key.string] = value.isNull ? "" : try value.string()
        }
        return result
    }

    private static func quoted(_ text: String) -> String { "\"" + text + "\"" }

    /// A YAML float as yaml.v2 reads one into a float64: decimal, `.inf`, `-.inf`, `.nan` and Go's spellings.
    static func parseGoFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case ".inf", "+.inf", "inf", "+inf": return .infinity
        case "-.inf", "-inf": return -.infinity
        case ".nan", "nan": return .nan
        default:
            guard let first = text.unicodeScalars.first, first == "-" || first == "+" || first == "." || ("0"..."9").contains(first),
                  !text.lowercased().contains("x")
            else { return nil }
            return Double(text)
        }
    }
}
