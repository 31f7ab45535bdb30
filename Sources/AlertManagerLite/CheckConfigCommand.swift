import AlertCore
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `alertmanager-lite check-config FILE`: loads the configuration and every rule file it names,
/// runs `promtool check rules` on them when promtool is installed, prints errors one per line on
/// stderr and a summary on stdout. Exit 0 when valid, 1 on any error.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check an alertmanager-lite configuration file and the rule files it names."
    )

    @Argument(help: "The configuration file (alertmanager-lite.yml).")
    var file: String

    func run() throws {
        let report = ConfigCheck.run(configPath: file)
        for warning in report.warnings { printError("warning: \(warning)") }
        for error in report.errors { printError(error) }
        guard report.isValid else { throw ExitCode(1) }
        let groups = report.rules?.groups ?? []
        let alerting = groups.reduce(0) { $0 + $1.rules.filter { if case .alerting = $0 { true } else { false } }.count }
        let recording = groups.reduce(0) { $0 + $1.rules.count } - alerting
        print("SUCCESS: \(file): \(report.rules?.files.count ?? 0) rule files, \(groups.count) groups, \(alerting) alerting rules, \(recording) recording rules (not evaluated)\(report.promtool != nil ? ", promtool check rules passed" : "")")
    }

    private func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
    }
}
