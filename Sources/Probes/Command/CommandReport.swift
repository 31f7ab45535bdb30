import VandineCore

/// How one configured command went, as the prober hands it to ``CommandReport/record(_:_:in:)``.
struct RemoteCommandOutcome: Sendable {
    /// The output to parse (stdout in exec mode, the screen text in shell mode); nil when the
    /// command gave none (it could not run, or the deadline cut it off).
    var output: String?
    /// Exec mode: the exit status, when the server sent one.
    var exitStatus: Int32?
    /// From sending the command to the end of its output (or to the failure); nil when it never ran.
    var duration: Duration?
    /// Whether output past `output_limit` was dropped.
    var truncated = false
    /// Why the command itself failed (SSH error, deadline, exit status), if it did.
    var failure: String?

    /// A command that never ran, for `reason`.
    static func notRun(_ reason: String) -> RemoteCommandOutcome {
        RemoteCommandOutcome(failure: "not run: \(reason)")
    }
}

/// Writes one command's series to the probe's metrics — its configured gauges, then
/// `vandine_command_duration_seconds`, `vandine_command_exit_status`,
/// `vandine_command_output_bytes` and `vandine_command_success` — and says whether it succeeded.
///
/// A command succeeds when it ran to its end (exec: exit status 0, or none sent by an old server;
/// shell: the prompt came back), its output fit in `output_limit`, and every configured metric's
/// regex matched at least once with a number for `value`. A metric that matched nothing is no
/// series at all (no zero is made up), and fails the command.
enum CommandReport {
    static let successMetric = "vandine_command_success"
    static let durationMetric = "vandine_command_duration_seconds"
    static let exitStatusMetric = "vandine_command_exit_status"
    static let outputBytesMetric = "vandine_command_output_bytes"
    static let label = "command"

    static func record(_ command: CommandOptions.Command, _ outcome: RemoteCommandOutcome, in context: ProbeContext) -> Bool {
        let labels = [label: command.name]
        var problems: [String] = []
        if let failure = outcome.failure { problems.append(failure) }
        if let output = outcome.output {
            for metric in command.metrics {
                let found = CommandOutputMetrics(metric: metric, output: output)
                for sample in found.samples {
                    context.metrics.gauge(metric.name, sample.value, help: metric.help, labels: sample.labels)
                }
                for reason in found.skipped.prefix(3) { context.log.log("command \(command.name): metric \(metric.name): \(reason)") }
                if found.samples.isEmpty {
                    problems.append(found.matched
                        ? "metric \(metric.name): no match of \(quoted(metric.pattern)) gave a number"
                        : "metric \(metric.name): regex \(quoted(metric.pattern)) matched nothing in the output")
                }
            }
            context.metrics.gauge(outputBytesMetric, Double(output.utf8.count),
                                  help: "Bytes of the command's output that were kept (at most output_limit).", labels: labels)
            if outcome.truncated { problems.append("output passed output_limit, the rest was dropped") }
        }
        if let duration = outcome.duration {
            context.metrics.gauge(durationMetric, duration.inSeconds,
                                  help: "Seconds from sending the command to the end of its output.", labels: labels)
        }
        if let status = outcome.exitStatus {
            context.metrics.gauge(exitStatusMetric, Double(status),
                                  help: "Exit status of the command (exec mode, when the server sent one).", labels: labels)
        }
        let success = problems.isEmpty
        context.metrics.gauge(successMetric, success ? 1 : 0,
                              help: "Whether the command ran to its end and every metric's regex matched (1) or not (0).", labels: labels)
        if success {
            context.log.log("command \(command.name): ok" + (outcome.duration.map { " in \(Int(($0.inSeconds * 1000).rounded())) ms" } ?? ""))
        } else {
            context.log.fail("command \(command.name): " + problems.joined(separator: "; "))
        }
        return success
    }
}
