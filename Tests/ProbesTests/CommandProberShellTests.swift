import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Shell mode against `scripts/scripted-router-cli` on a real PTY (``PTYShellChannel``): a
/// Cisco-style CLI in raw mode that echoes what is typed, ends lines with CR LF, pages
/// `show interfaces` with ` --More-- ` until `terminal length 0`, and colours `show version`.
/// Serialized: each test starts the Python CLI (11 ms of CPU, 30 ms wall here); the deadline
/// tests measure wall time and should not compete with each other for two cores.
@Suite(.serialized) struct CommandProberShellTests {
    static let interfaceLines: [String] = (0..<12).flatMap { n in
        ["GigabitEthernet0/\(n) is up, line protocol is up", "     \(1000 * (n + 1) + 7 * n) packets input, \(52000 * (n + 1) + n) bytes"]
    }

    static func options(_ body: String) throws -> CommandOptions {
        guard case let .command(options) = try CommandTestConfig.module(body).options else { throw CancellationError() }
        return options
    }

    /// A conversation on a fresh CLI, past its banner, closed (and the CLI killed) after `body`.
    static func withShell<T>(_ options: CommandOptions, _ body: (ShellConversation) async throws -> T) async throws -> T {
        let channel = try PTYShellChannel.spawn([LocalShellExecutor.scriptedCLI], columns: 511, rows: 24)
        let shell = ShellConversation(channel: channel, options: options)
        do {
            try await shell.waitForPrompt(deadline: .now + .seconds(10))
            let result = try await body(shell)
            await channel.close()
            return result
        } catch {
            await channel.close()
            throw error
        }
    }

    static let pagedOptions = """
    mode: shell
    prompt: '^router# $'
    paging_prompt: '--More--'
    commands: [{name: a, command: x}]
    """

    /// The output is exactly what the device printed: no echo, no prompt, no pager prompts, LF
    /// line ends, whether it came in pages or not.
    @Test func pagedOutputComesBackWhole() async throws {
        let options = try Self.options(Self.pagedOptions)
        let expected = Self.interfaceLines.map { $0 + "\n" }.joined()
        let (paged, unpaged) = try await Self.withShell(options) { shell in
            #expect(shell.currentLine == "router# ")
            let paged = try await shell.run("show interfaces", deadline: .now + .seconds(10))
            _ = try await shell.run("terminal length 0", deadline: .now + .seconds(10))
            let unpaged = try await shell.run("show interfaces", deadline: .now + .seconds(10))
            return (paged, unpaged)
        }
        #expect(paged.text == expected)
        #expect(paged.pages == 2)
        #expect(unpaged.text == expected)
        #expect(unpaged.pages == 0)
    }

    @Test func colouredAndOverstruckOutputIsPlainText() async throws {
        let options = try Self.options(Self.pagedOptions)
        let (version, environment, failed) = try await Self.withShell(options) { shell in
            (try await shell.run("show version", deadline: .now + .seconds(10)),
             try await shell.run("show environment", deadline: .now + .seconds(10)),
             try await shell.run("fail", deadline: .now + .seconds(10)))
        }
        #expect(version.text == "Vandine Test Router Software, Version 15.2(4)M7\nrouter uptime is 3 days, 4 hours\n")
        #expect(environment.text == "Inlet temperature: 42 C\n")
        #expect(failed.text == "% Error: something failed\n")
    }

    static let routerModule = """
    mode: shell
    prompt: '^router# $'
    pre_commands: ["terminal length 0"]
    paging_prompt: '--More--'
    commands:
      - name: interfaces
        command: show interfaces
        metrics:
          - name: router_interface_receive_bytes
            help: Bytes received on the interface.
            regex: '^(?P<interface>\\S+) is up.*\\n +\\d+ packets input, (?P<value>\\d+) bytes'
          - name: router_interface_up
            regex: '^(?P<interface>\\S+) is up'
      - name: version
        command: show version
        metrics:
          - name: router_version_info
            help: The router's software version.
            regex: 'Version (?P<version>\\S+)'
          - name: router_uptime_seconds
            help: Seconds since the router booted (whole days).
            regex: 'uptime is (?P<value>\\d+) days'
            scale: 86400
    """

    @Test func aWholeProbeTurnsTheCLIsOutputIntoMetrics() async throws {
        let executor = LocalShellExecutor()
        let module = try CommandTestConfig.module(Self.routerModule)
        let result = await CommandTestConfig.probe(CommandProber(executor: executor), module)
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.family(named: "router_interface_receive_bytes")?.samples.count == 12)
        #expect(m.sample(named: "router_interface_receive_bytes", labels: ["interface": "GigabitEthernet0/0"]) == 52000)
        #expect(m.sample(named: "router_interface_receive_bytes", labels: ["interface": "GigabitEthernet0/11"]) == 624_011)
        #expect(m.sample(named: "router_interface_up", labels: ["interface": "GigabitEthernet0/5"]) == 1)
        #expect(m.sample(named: "router_version_info", labels: ["version": "15.2(4)M7"]) == 1)
        #expect(m.sample(named: "router_uptime_seconds") == 259_200)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "interfaces"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "version"]) == 1)
        #expect(m.sample(named: "vandine_command_exit_status", labels: ["command": "version"]) == nil)
        // The whole output without echo and prompt: 24 lines.
        #expect(m.sample(named: "vandine_command_output_bytes", labels: ["command": "interfaces"])
            == Double(Self.interfaceLines.map { $0.utf8.count + 1 }.reduce(0, +)))
        #expect(executor.opened.withLock { $0.count == 1 && $0[0].isClosed })
    }

    /// Without `terminal length 0` the prober answers the pager: the same samples come back.
    @Test func thePagerIsAnsweredWhenPagingStaysOn() async throws {
        let module = try CommandTestConfig.module(Self.routerModule.replacingOccurrences(of: "pre_commands: [\"terminal length 0\"]\n", with: ""))
        let result = await CommandTestConfig.probe(CommandProber(executor: LocalShellExecutor()), module)
        #expect(result.success, "\(result.log.entries)")
        #expect(result.metrics.family(named: "router_interface_receive_bytes")?.samples.count == 12)
        #expect(result.log.entries.contains { $0.hasSuffix("command interfaces: answered 2 pager prompts") })
    }

    /// A command that never gives the prompt back is cut at the deadline; the commands before it
    /// are reported, the ones after it did not run.
    @Test func aHangingCommandIsCutAtTheDeadline() async throws {
        let executor = LocalShellExecutor()
        let module = try CommandTestConfig.module("""
        mode: shell
        prompt: '^router# $'
        commands:
          - name: version
            command: show version
            metrics: [{name: router_version_info, regex: 'Version (?P<version>\\S+)'}]
          - {name: hangs, command: sleep 30}
          - {name: after, command: show version}
        """, timeout: "3s")
        let result = await CommandTestConfig.probe(CommandProber(executor: executor), module)
        #expect(!result.success)
        // It waited for the prompt until the deadline, not much longer.
        // (`sleep 30` would take 30 s; the slack is for a loaded machine.)
        #expect(result.elapsed > .milliseconds(2900) && result.elapsed < .milliseconds(5000), "took \(result.elapsed)")
        let m = result.metrics
        #expect(m.sample(named: "router_version_info", labels: ["version": "15.2(4)M7"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "version"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "hangs"]) == 0)
        let hung = try #require(m.sample(named: "vandine_command_duration_seconds", labels: ["command": "hangs"]))
        // From sending `sleep 30` to the deadline: what the CLI's start and `show version` left.
        #expect(hung > 0.1 && hung < result.elapsed.inSeconds)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "after"]) == 0)
        #expect(result.log.failureReason == "command after: not run: no output before the deadline, waiting for the prompt")
        #expect(executor.opened.withLock { $0.allSatisfy(\.isClosed) })
    }

    /// A device that ends the session reports it instead of waiting for the deadline.
    @Test func aShellThatClosesFailsAtOnce() async throws {
        let module = try CommandTestConfig.module("""
        mode: shell
        prompt: '^router# $'
        commands: [{name: bye, command: exit}, {name: after, command: show version}]
        """)
        let result = await CommandTestConfig.probe(CommandProber(executor: LocalShellExecutor()), module)
        #expect(!result.success)
        #expect(result.elapsed < .seconds(5))
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "bye"]) == 0)
        #expect(result.log.entries.contains { $0.contains("command bye: no prompt after the output: the shell closed before the prompt") })
    }

    /// A prompt regex that never matches (the wrong device type) fails every command with the
    /// line the shell was waiting at.
    @Test func aPromptThatNeverMatchesFailsAtTheDeadline() async throws {
        let module = try CommandTestConfig.module("""
        mode: shell
        prompt: '^switch> $'
        commands: [{name: a, command: show version}]
        """, timeout: "1s")
        let result = await CommandTestConfig.probe(CommandProber(executor: LocalShellExecutor()), module)
        #expect(!result.success)
        #expect(result.elapsed > .milliseconds(900) && result.elapsed < .milliseconds(3000), "took \(result.elapsed)")
        #expect(result.log.failureReason == "shell: no output before the deadline, waiting for the prompt at \"router# \"")
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "a"]) == 0)
    }

    // MARK: - enable

    static func enableExecutor() -> LocalShellExecutor {
        LocalShellExecutor(shellProgram: [LocalShellExecutor.scriptedCLI, "--enable-password", "s3cret"])
    }

    static func enableModule(_ enable: String) throws -> ModuleConfig {
        try CommandTestConfig.module("""
        mode: shell
        prompt: '^router[>#] ?$'
        \(enable)
        commands:
          - name: version
            command: show version
            metrics: [{name: router_version_info, regex: 'Version (?P<version>\\S+)'}]
        """)
    }

    /// An unprivileged CLI (`router>`) is put in privileged mode with the password, which appears
    /// in no log line.
    @Test func enableAnswersThePasswordPrompt() async throws {
        let module = try Self.enableModule("enable: {password: s3cret}")
        let result = await CommandTestConfig.probe(CommandProber(executor: Self.enableExecutor()), module)
        #expect(result.success, "\(result.log.entries)")
        #expect(result.metrics.sample(named: "router_version_info", labels: ["version": "15.2(4)M7"]) == 1)
        #expect(result.log.entries.contains { $0.hasSuffix("shell: prompt \"router>\"") })
        #expect(result.log.entries.contains { $0.hasSuffix("enable: prompt \"router# \"") })
        #expect(!result.log.entries.joined().contains("s3cret"))
    }

    @Test func aWrongEnablePasswordFailsEveryCommandWithWhatTheDeviceSaid() async throws {
        let module = try Self.enableModule("enable: {password: guess}")
        let result = await CommandTestConfig.probe(CommandProber(executor: Self.enableExecutor()), module)
        #expect(!result.success)
        #expect(result.log.failureReason == "shell: enable: still not privileged: prompt \"router>\", the device said \"% Access denied\"")
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "version"]) == 0)
        #expect(!result.log.entries.joined().contains("guess"))
    }

    @Test func enableWithoutAPasswordSaysTheDeviceWantsOne() async throws {
        let module = try Self.enableModule("enable: {command: enable}")
        let result = await CommandTestConfig.probe(CommandProber(executor: Self.enableExecutor()), module)
        #expect(!result.success)
        #expect(result.log.failureReason == "shell: enable: the device asks for a password (\"Password: \") and enable has none")
    }

    /// A CLI that starts privileged is not sent `enable` at all.
    @Test func enableIsSkippedWhenThePromptIsAlreadyPrivileged() async throws {
        let module = try Self.enableModule("enable: {password: s3cret}")
        let result = await CommandTestConfig.probe(CommandProber(executor: LocalShellExecutor()), module)
        #expect(result.success, "\(result.log.entries)")
        #expect(result.log.entries.contains { $0.hasSuffix("enable: prompt \"router# \"") })
    }
}
