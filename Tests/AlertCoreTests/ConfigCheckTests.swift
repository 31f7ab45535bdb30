import Foundation
import Testing
@testable import AlertCore

/// `check-config`: config + rule files + promtool, errors one line each.
@Suite struct ConfigCheckTests {
    static let directory = AlertManagerLiteConfigTests.directory

    /// ConfigCheck blocks (it may run promtool): run it on a thread of its own, not on Swift's
    /// cooperative pool.
    static func check(_ name: String, promtool: String? = PromtoolCheck.locate()) async -> ConfigCheckReport {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: ConfigCheck.run(configPath: directory + "/" + name, environment: [:], promtool: promtool)) }.start()
        }
    }

    @Test func validConfigWithRulesPassesAndWarnsAboutRecordingRules() async throws {
        let report = await Self.check("valid-full.yml")
        #expect(report.errors == [])
        #expect(report.rules?.files == [Self.directory + "/rules/node.yml", Self.directory + "/rules/recorded.yml"])
        #expect(report.rules?.groups.map(\.name) == ["node", "disks", "recorded"])
        #expect(report.warnings == ["\(Self.directory)/rules/recorded.yml:4: group \"recorded\": recording rule \"job:up:sum\" is not evaluated (Prometheus evaluates recording rules; alertmanager-lite evaluates alerting rules only)"])
        #expect(report.promtool?.status == 0)
    }

    @Test func configErrorIsOneLine() async {
        let report = await Self.check("invalid-url.yml")
        #expect(report.errors == [AlertManagerLiteConfigTests.expectedErrors["invalid-url.yml"]!])
        #expect(report.rules == nil)
    }

    @Test func ruleFileErrorNamesTheRuleFile() async {
        let report = await Self.check("invalid-rule-file-content.yml", promtool: nil)
        #expect(report.errors == ["\(Self.directory)/bad-rules/invalid-duration.yml:6:14: groups[0].rules[0].for: must be a duration like 500ms, 10s or 1m30s, got \"5 minutes\""])
    }

    /// PromQL is the datasource's business at run time, but check-config asks promtool.
    @Test func promtoolFindsWhatWeDoNotParse() async throws {
        let withoutPromtool = await Self.check("invalid-promql.yml", promtool: nil)
        #expect(withoutPromtool.errors == [])
        guard PromtoolCheck.locate() != nil else { Issue.record("promtool is not installed"); return }
        let report = await Self.check("invalid-promql.yml")
        #expect(report.promtool?.status == 1)
        #expect(report.errors.count == 1)
        #expect(report.errors.first?.hasPrefix("promtool check rules: \(Self.directory)/promql/bad.yml: 5:15: group \"g\", rule 1, \"A\": could not parse expression: ") == true, "\(report.errors)")
    }

    @Test func noMatchingRuleFilesIsAWarning() async {
        let report = await Self.check("valid-minimal.yml")
        #expect(report.errors == [] && report.warnings == ["rule_files is empty: there are no alerting rules to evaluate"])
    }
}
