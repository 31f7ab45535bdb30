import FoundationEssentials
import VandineCore

/// What `alertmanager-lite check-config FILE` found: the configuration and rules when they load,
/// warnings (recording rules that are not evaluated, promtool's lint) and errors (one line each).
public struct ConfigCheckReport: Sendable {
    public var config: AlertManagerLiteConfig?
    public var rules: LoadedRules?
    public var warnings: [String] = []
    public var errors: [String] = []
    /// promtool's output when it ran (nil when promtool is not installed or there were no rule files).
    public var promtool: PromtoolCheck.Outcome?

    public var isValid: Bool { errors.isEmpty }
}

/// The logic of `check-config`: load the config, expand `rule_files`, load every rule file, and
/// when `promtool` is on PATH also run `promtool check rules` on them (it checks the PromQL we
/// leave to the datasource). Blocking (it may run promtool).
public enum ConfigCheck {
    public static func run(configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                           promtool: String? = PromtoolCheck.locate()) -> ConfigCheckReport {
        var report = ConfigCheckReport()
        let config: AlertManagerLiteConfig
        do {
            config = try AlertManagerLiteConfig.load(path: configPath, environment: environment)
        } catch {
            report.errors.append(error.description)
            return report
        }
        report.config = config
        let files: [String]
        do {
            files = try RuleFileLoader.expand(patterns: config.ruleFiles, baseDirectory: config.baseDirectory, configFile: config.fileName)
        } catch {
            report.errors.append(error.description)
            return report
        }
        if config.ruleFiles.isEmpty {
            report.warnings.append("rule_files is empty: there are no alerting rules to evaluate")
        } else if files.isEmpty {
            report.warnings.append("no file matches rule_files (\(config.ruleFiles.joined(separator: ", "))): there are no alerting rules to evaluate")
        }
        var loaded = LoadedRules(files: files)
        for file in files {
            do {
                let one = try RuleFileLoader.load(path: file)
                loaded.groups += one.groups
                loaded.warnings += one.warnings
            } catch {
                report.errors.append(error.description)
            }
        }
        report.rules = loaded
        report.warnings += loaded.warnings
        if let promtool, !files.isEmpty {
            if let outcome = PromtoolCheck.checkRules(executable: promtool, files: files) {
                report.promtool = outcome
                let lines = outcome.output.split(separator: "\n").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
                if outcome.status != 0 {
                    let failures = lines.filter { $0.contains(": ") && !$0.hasPrefix("Checking ") && !$0.hasPrefix("SUCCESS") }
                    let detail = failures.isEmpty ? lines : failures
                    report.errors += detail.map { "promtool check rules: \($0)" }
                } else if outcome.output.contains("duplicate rule") {
                    report.warnings.append("promtool check rules: " + lines.filter { !$0.hasPrefix("Checking ") && !$0.hasPrefix("SUCCESS") }.joined(separator: "; "))
                }
            } else {
                report.warnings.append("could not run \(promtool)")
            }
        }
        return report
    }
}
