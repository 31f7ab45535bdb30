import Foundation
import Testing
import TestSupport
import VandineCore
@testable import AlertCore

/// Rule files: `valid-*.yml` load, `invalid-*.yml` fail with the exact line below; and every
/// fixture is also given to Debian's promtool 2.42, which must accept all valid ones and whose
/// every rejection must be a rejection here too.
@Suite struct RuleFileLoaderTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/rules").path

    static func fixture(_ name: String) -> String { directory + "/" + name }

    static func fixtures(prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".yml") }.sorted()
    }

    static let expectedErrors: [String: String] = [
        "invalid-unknown-rule-key.yml": "6:9: groups[0].rules[0].summary: unknown key \"summary\" (known keys: alert, annotations, expr, for, keep_firing_for, labels, record)",
        "invalid-unknown-group-key.yml": "3:5: groups[0].intervl: unknown key \"intervl\" (known keys: interval, limit, name, query_offset, rules)",
        "invalid-unknown-top-key.yml": "1:1: group: unknown key \"group\" (known keys: groups)",
        "invalid-duration.yml": "6:14: groups[0].rules[0].for: must be a duration like 500ms, 10s or 1m30s, got \"5 minutes\"",
        "invalid-interval.yml": "3:15: groups[0].interval: must be a duration like 500ms, 10s or 1m30s, got 1.5m",
        "invalid-no-alert-or-record.yml": "4:9: groups[0].rules[0]: one of 'record' or 'alert' must be set",
        "invalid-alert-and-record.yml": "4:9: groups[0].rules[0]: only one of 'record' and 'alert' must be set",
        "invalid-no-expr.yml": "4:9: groups[0].rules[0]: field 'expr' must be set in rule",
        "invalid-duplicate-group.yml": "4:11: groups[1].name: group name \"g\" is repeated in the same file (first at line 2)",
        "invalid-duplicate-rule.yml": "8:16: groups[0].rules[1].alert: duplicate rule \"A\" with the same labels as groups[0].rules[0] (line 4)",
        "invalid-label-name.yml": "7:11: groups[0].rules[0].labels.bad-name: invalid label name: \"bad-name\" (must match [a-zA-Z_][a-zA-Z0-9_]*)",
        "invalid-annotation-name.yml": "7:11: groups[0].rules[0].annotations.1summary: invalid annotation name: \"1summary\" (must match [a-zA-Z_][a-zA-Z0-9_]*)",
        "invalid-record-for.yml": "6:14: groups[0].rules[0].for: invalid field 'for' in recording rule",
        "invalid-record-keep-firing.yml": "6:26: groups[0].rules[0].keep_firing_for: invalid field 'keep_firing_for' in recording rule",
        "invalid-record-name.yml": "4:17: groups[0].rules[0].record: invalid recording rule name: job-up (must match [a-zA-Z_:][a-zA-Z0-9_:]*)",
        "invalid-record-annotations.yml": "7:11: groups[0].rules[0].annotations: invalid field 'annotations' in recording rule",
        "invalid-template-function.yml": "7:20: groups[0].rules[0].annotations.summary: annotation \"summary\": template: __alert_A:1: function \"humanise\" not defined",
        "invalid-template-unclosed.yml": "7:21: groups[0].rules[0].labels.severity: label \"severity\": template: __alert_A:1: unclosed action",
        "invalid-template-query.yml": "7:20: groups[0].rules[0].annotations.summary: annotation \"summary\": template: __alert_A:1: function \"query\" is not supported: alertmanager-lite does not run queries from templates",
        "invalid-template-end.yml": "7:20: groups[0].rules[0].annotations.summary: annotation \"summary\": template: __alert_A:1: unexpected EOF",
        "invalid-yaml.yml": "6:1: invalid YAML: did not find expected ',' or ']'",
        "invalid-query-offset.yml": "3:5: groups[0].query_offset: query_offset is not supported (Prometheus 2.42's rule format has no such key)",
        "invalid-empty-group-name.yml": "2:11: groups[0].name: group name must not be empty",
        "invalid-group-not-list.yml": "2:3: groups: must be a list, got a mapping",
        "invalid-duplicate-key.yml": "7:9: groups[0].rules[0]: duplicate key \"alert\"",
        "invalid-blank-expr.yml": "5:15: groups[0].rules[0].expr: field 'expr' must be set in rule",
    ]

    @Test(arguments: fixtures(prefix: "invalid-"))
    func invalidFixtureIsRejectedWithItsMessage(_ name: String) {
        let path = Self.fixture(name)
        let expected = Self.expectedErrors[name].map { "\(path):\($0)" }
        #expect(expected != nil, "no expected error listed for \(name)")
        #expect(throws: (any Error).self) { try RuleFileLoader.load(path: path) }
        do {
            _ = try RuleFileLoader.load(path: path)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func everyInvalidFixtureHasAnExpectation() {
        #expect(Set(Self.fixtures(prefix: "invalid-")) == Set(Self.expectedErrors.keys))
    }

    @Test func basicFileLoadsEveryField() throws {
        let loaded = try RuleFileLoader.load(path: Self.fixture("valid-basic.yml"))
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.groups.map(\.name) == ["node", "disks"])
        let node = loaded.groups[0]
        #expect(node.interval == 30 && node.limit == 10 && node.file == Self.fixture("valid-basic.yml"))
        #expect(loaded.groups[1].interval == nil && loaded.groups[1].limit == 0)
        guard case let .alerting(down) = node.rules[0] else { Issue.record("not an alerting rule"); return }
        #expect(down == AlertingRuleDefinition(
            name: "InstanceDown", expression: "up == 0", holdDuration: 300, keepFiringFor: 600,
            labels: ["severity": "page", "instance_job": "{{ $labels.instance }}/{{ $labels.job }}"],
            annotations: ["summary": "Instance {{ $labels.instance }} down",
                          "description": "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes (value {{ $value }})."],
            file: Self.fixture("valid-basic.yml"), line: 6))
        guard case let .alerting(disk) = loaded.groups[1].rules[0] else { Issue.record("not an alerting rule"); return }
        #expect(disk.holdDuration == 5400 && disk.keepFiringFor == 0 && disk.line == 22)
    }

    @Test func recordingRulesLoadWithAWarningEach() throws {
        let loaded = try RuleFileLoader.load(path: Self.fixture("valid-recording.yml"))
        #expect(loaded.groups[0].rules.map(\.name) == ["job:up:sum", "JobDown"])
        #expect(loaded.groups[0].rules[0] == .recording(RecordingRuleDefinition(
            name: "job:up:sum", expression: "sum by (job) (up)", labels: ["team": "infra"], file: Self.fixture("valid-recording.yml"), line: 4)))
        #expect(loaded.warnings == ["\(Self.fixture("valid-recording.yml")):4: group \"recorded\": recording rule \"job:up:sum\" is not evaluated (Prometheus evaluates recording rules; alertmanager-lite evaluates alerting rules only)"])
    }

    @Test func edgeCasesPromtoolAcceptsLoad() throws {
        let loaded = try RuleFileLoader.load(path: Self.fixture("valid-edge-cases.yml"))
        let group = loaded.groups[0]
        #expect(group.limit == 0 && group.interval == nil)
        #expect(group.rules.map(\.name) == ["High Load", "x", "Long"])
        guard case let .alerting(high) = group.rules[0], case let .alerting(long) = group.rules[2] else { Issue.record("not alerting rules"); return }
        #expect(high.labels == ["empty": "", "number": "1", "__internal": "a"])
        #expect(long.keepFiringFor == 365 * 86400)
        // Parses (as in Prometheus) and fails only when expanded.
        let template = try AlertTemplate(parsing: high.annotations["fails_at_run_time"]!, name: AlertTemplate.name(forAlert: high.name))
        #expect(template.expandShowingErrors(TemplateData(labels: [:], value: 1)) == "<error expanding template: error executing template __alert_High Load: template: __alert_High Load:1:115: executing \"__alert_High Load\" at <nil>: nil is not a command>")
    }

    @Test func emptyFilesLoadNothing() throws {
        #expect(try RuleFileLoader.load(path: Self.fixture("valid-empty.yml")).groups.isEmpty)
        #expect(try RuleFileLoader.load(path: Self.fixture("valid-empty-file.yml")).groups.isEmpty)
    }

    /// Same alert name with different labels is not a duplicate (promtool agrees).
    @Test func sameNameDifferentLabelsLoads() throws {
        let loaded = try RuleFileLoader.load(path: Self.fixture("valid-templates.yml"))
        #expect(loaded.groups[0].rules.map(\.name) == ["Templated", "SameNameOtherLabels", "SameNameOtherLabels"])
    }

    @Test func unreadableFileIsAnError() {
        let path = Self.directory + "/does-not-exist.yml"
        #expect(throws: ConfigError(file: path, line: nil, column: nil, path: "", message: "cannot read file: No such file or directory")) {
            try RuleFileLoader.load(path: path)
        }
    }

    /// Globs resolve against the given folder, sort, drop repeats; no match is no file.
    @Test func globExpansion() throws {
        let files = try RuleFileLoader.expand(patterns: ["valid-r*.yml", "valid-*.yml", "nothing-*.yml"], baseDirectory: Self.directory, configFile: "c.yml")
        let rest = ["valid-basic.yml", "valid-edge-cases.yml", "valid-empty-file.yml", "valid-empty.yml", "valid-templates.yml"]
        #expect(files == (["valid-recording.yml"] + rest).map(Self.fixture))
        #expect(try RuleFileLoader.expand(patterns: ["/nonexistent-dir/*.yml"], baseDirectory: "", configFile: "c.yml").isEmpty)
    }

    /// Go's filepath.Glob semantics: `*` matches a leading dot; an unclosed `[` is a bad pattern.
    @Test func globMatchesDotFilesAndRejectsBadPatterns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-glob-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in [".hidden.yml", "a.yml", "b.yaml"] {
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("groups: []\n".utf8)))
        }
        #expect(try RuleFileLoader.expand(patterns: ["*.yml"], baseDirectory: directory, configFile: "c.yml") == [directory + "/.hidden.yml", directory + "/a.yml"])
        #expect(throws: ConfigError(file: "c.yml", line: nil, column: nil, path: "rule_files[1]", message: "bad glob pattern \"rules/[a.yml\"")) {
            try RuleFileLoader.expand(patterns: ["*.yml", "rules/[a.yml"], baseDirectory: directory, configFile: "c.yml")
        }
    }

    /// promtool agreement: it accepts every valid fixture, and whatever it rejects we reject.
    @Test func promtoolAgrees() async throws {
        guard let promtool = PromtoolCheck.locate() else {
            Issue.record("promtool is not installed (Debian package prometheus)")
            return
        }
        for name in Self.fixtures(prefix: "valid-") + Self.fixtures(prefix: "invalid-") {
            // Off the cooperative pool: promtool takes ~100 ms per file.
            let outcome = try await Command.runOffPool(promtool, ["check", "rules", Self.fixture(name)])
            let oursAccepts = (try? RuleFileLoader.load(path: Self.fixture(name))) != nil
            if name.hasPrefix("valid-") {
                #expect(outcome.status == 0 && oursAccepts, "\(name): promtool \(outcome.status) \(outcome.stdout) \(outcome.stderr)")
            } else {
                #expect(!oursAccepts, "\(name) loads here")
                if outcome.status != 0 { #expect(!oursAccepts) }
            }
        }
    }
}
