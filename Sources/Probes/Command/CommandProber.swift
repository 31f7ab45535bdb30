import VandineCore

/// The `command` prober: runs a module's commands on a configured device over SSH and turns
/// their output into gauges (``CommandReport``, ``CommandOutputMetrics``).
///
/// - exec mode: one exec channel per command on the device's pooled session; the command's
///   stdout is parsed, its exit status reported.
/// - shell mode: one interactive shell with a PTY for the whole probe (``ShellConversation``):
///   wait for the prompt, enter privileged mode if `enable` is set, send the `pre_commands`, then
///   each command.
///
/// Commands run in order, each bounded by the probe's one deadline. When the deadline passes, or
/// the login fails, the commands not yet run report `vandine_command_success 0`; everything
/// measured before stays. `probe_success` is 1 only when every command succeeded.
public struct CommandProber: Prober {
    public let executor: any SSHExecutor

    /// A PTY wide enough that no CLI wraps a line of a table.
    public static let shellColumns = 511
    public static let shellRows = 24

    public init(executor: any SSHExecutor) {
        self.executor = executor
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .command(options) = context.module.options else {
            context.log.fail("module \(context.module.name) has no command options")
            return false
        }
        guard let device = context.target.device, let settings = device.ssh else {
            let named = context.target.device.map { "device \($0.name) has no ssh: settings" }
                ?? "target \(context.target.logDescription) is no configured device (a command module needs one with ssh: settings)"
            context.log.fail(named)
            return false
        }
        let endpoint = SSHEndpoint(device: device.name, host: device.address, settings: settings)
        switch options.mode {
        case .exec: return await runExec(options, on: endpoint, context)
        case .shell: return await runShell(options, on: endpoint, context)
        }
    }

    // MARK: - exec

    private func runExec(_ options: CommandOptions, on endpoint: SSHEndpoint, _ context: ProbeContext) async -> Bool {
        var allSucceeded = true
        var stopReason: String?
        for command in options.commands {
            if let stopReason {
                _ = CommandReport.record(command, .notRun(stopReason), in: context)
                allSucceeded = false
                continue
            }
            context.log.log("command \(command.name): exec \(quoted(command.command))")
            let start = ContinuousClock.now
            var outcome = RemoteCommandOutcome()
            do {
                let result = try await executor.exec(command.command, on: endpoint, deadline: context.deadline,
                                                     outputLimit: options.outputLimit)
                outcome.duration = .now - start
                outcome.output = String(decoding: result.stdout, as: UTF8.self)
                outcome.exitStatus = result.exitStatus
                outcome.truncated = result.truncated
                if result.exitStatus == nil {
                    context.log.log("command \(command.name): the server sent no exit status (killed by a signal, or an old SSH server)")
                }
                if let status = result.exitStatus, status != 0 {
                    let stderr = String(decoding: result.stderr.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init)
                    outcome.failure = "exit status \(status)" + (stderr.map { ", stderr \(quoted($0))" } ?? "")
                }
            } catch {
                outcome.duration = .now - start
                outcome.failure = error.description
                // A login that failed fails the same way for the next command, and past the
                // deadline nothing more can run.
                if error.kind != .channel { stopReason = error.kind == .timeout ? "the probe's deadline passed" : error.description }
            }
            if !CommandReport.record(command, outcome, in: context) { allSucceeded = false }
        }
        return allSucceeded
    }

    // MARK: - shell

    private func runShell(_ options: CommandOptions, on endpoint: SSHEndpoint, _ context: ProbeContext) async -> Bool {
        let channel: any SSHShellChannel
        do {
            channel = try await executor.openShell(on: endpoint, columns: Self.shellColumns, rows: Self.shellRows,
                                                   deadline: context.deadline)
        } catch {
            return failAll(options, reason: "shell: \(error.description)", context)
        }
        let shell = ShellConversation(channel: channel, options: options)
        let success = await converse(shell, options, context)
        await channel.close()
        return success
    }

    private func converse(_ shell: ShellConversation, _ options: CommandOptions, _ context: ProbeContext) async -> Bool {
        do {
            try await shell.waitForPrompt(deadline: context.deadline)
            context.log.log("shell: prompt \(quoted(shell.currentLine))")
            if let enable = options.enable {
                try await shell.enable(enable, deadline: context.deadline)
                context.log.log("enable: prompt \(quoted(shell.currentLine))")
            }
            for line in options.preCommands {
                let output = try await shell.run(line, deadline: context.deadline)
                context.log.log("pre-command \(quoted(line)): \(output.text.utf8.count) bytes")
            }
        } catch {
            return failAll(options, reason: "shell: \(error.description)", context)
        }
        var allSucceeded = true
        var stopReason: String?
        for command in options.commands {
            if let stopReason {
                _ = CommandReport.record(command, .notRun(stopReason), in: context)
                allSucceeded = false
                continue
            }
            context.log.log("command \(command.name): send \(quoted(command.command))")
            let start = ContinuousClock.now
            var outcome = RemoteCommandOutcome()
            do {
                let output = try await shell.run(command.command, deadline: context.deadline)
                outcome.output = output.text
                outcome.truncated = output.droppedBytes > 0
                if output.pages > 0 { context.log.log("command \(command.name): answered \(output.pages) pager prompts") }
            } catch {
                outcome.failure = "no prompt after the output: \(error.description)"
                // The conversation is out of step (or the channel is gone): later commands
                // would read this one's output.
                stopReason = error.description
            }
            outcome.duration = .now - start
            if !CommandReport.record(command, outcome, in: context) { allSucceeded = false }
        }
        return allSucceeded
    }

    /// Every command fails, not run, for `reason`.
    private func failAll(_ options: CommandOptions, reason: String, _ context: ProbeContext) -> Bool {
        for command in options.commands { _ = CommandReport.record(command, .notRun(reason), in: context) }
        context.log.fail(reason)
        return false
    }
}
