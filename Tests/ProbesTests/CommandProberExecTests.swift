import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Command modules for the tests: the metrics come from YAML, as users write them, through the
/// real config loader.
enum CommandTestConfig {
    static let device = DeviceConfig(name: "router", address: "127.0.0.1", modules: ["m"], ssh: SSHSettings(user: "test"))

    /// The module `m` of `yaml` (a `command:` section's body) with `timeout`.
    static func module(_ body: String, timeout: String = "10s") throws -> ModuleConfig {
        let yaml = "modules:\n  m:\n    prober: command\n    timeout: \(timeout)\n    command:\n" + ConfigRenderer.indent(body, by: 6)
        return try #require(try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "test.yml").modules["m"])
    }

    static func probe(_ prober: any Prober, _ module: ModuleConfig, device: DeviceConfig? = device)
        async -> (success: Bool, metrics: MetricSet, log: ProbeLog, elapsed: Duration) {
        let log = ProbeLog()
        let start = ContinuousClock.now
        let target = ProbeTarget(host: "127.0.0.1", device: device)
        let result = await runProbe(prober, target: target, module: module, log: log)
        return (result.success, result.metrics, log, .now - start)
    }
}

/// Exec mode: each command through `/bin/sh -c` on this machine (``LocalShellExecutor``, the real
/// child-process runner), as the session pool runs it on a device.
@Suite struct CommandProberExecTests {
    let prober = CommandProber(executor: LocalShellExecutor())

    @Test func eachCommandsOutputBecomesGaugesWithCapturesAsLabels() async throws {
        let module = try CommandTestConfig.module("""
        commands:
          - name: netdev
            command: "printf 'eth0: 10 1\\\\nwlan0: 20 2\\\\nlo: 30 3\\\\n'"
            metrics:
              - name: router_receive_bytes
                help: Bytes received.
                regex: '^(?P<device>\\w+): (?P<value>\\d+)'
                labels: {source: proc}
              - name: router_receive_kilobytes
                regex: '^wlan0: \\d+ (?P<value>\\d+)$'
                scale: 1000
          - name: uptime
            command: cat /proc/uptime
            metrics:
              - name: router_uptime_seconds
                regex: '^(?P<value>[0-9.]+) '
          - name: os
            command: uname -s
            metrics:
              - name: router_os_info
                regex: '^(?P<os>Linux)$'
        """)
        let result = await CommandTestConfig.probe(prober, module)
        #expect(result.success, "\(result.log.entries)")
        let m = result.metrics
        #expect(m.sample(named: "router_receive_bytes", labels: ["device": "eth0", "source": "proc"]) == 10)
        #expect(m.sample(named: "router_receive_bytes", labels: ["device": "wlan0", "source": "proc"]) == 20)
        #expect(m.sample(named: "router_receive_bytes", labels: ["device": "lo", "source": "proc"]) == 30)
        #expect(m.family(named: "router_receive_bytes")?.samples.count == 3)
        #expect(m.family(named: "router_receive_bytes")?.help == "Bytes received.")
        #expect(m.family(named: "router_receive_bytes")?.type == .gauge)
        #expect(m.sample(named: "router_receive_kilobytes") == 2000)
        let procUptime = try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0]
        let uptime = try #require(m.sample(named: "router_uptime_seconds"))
        #expect(uptime > 0 && uptime <= Double(procUptime)!)
        #expect(m.sample(named: "router_os_info", labels: ["os": "Linux"]) == 1)
        for name in ["netdev", "uptime", "os"] {
            #expect(m.sample(named: "vandine_command_success", labels: ["command": name]) == 1)
            #expect(m.sample(named: "vandine_command_exit_status", labels: ["command": name]) == 0)
            let duration = try #require(m.sample(named: "vandine_command_duration_seconds", labels: ["command": name]))
            #expect(duration > 0 && duration < 10)
        }
        #expect(m.sample(named: "vandine_command_output_bytes", labels: ["command": "netdev"]) == 32)
    }

    /// A failing command reports its exit status and fails, the next command still runs.
    @Test func aNonZeroExitStatusFailsThatCommandOnly() async throws {
        let module = try CommandTestConfig.module("""
        commands:
          - name: broken
            command: echo 'value 5'; echo 'no such file' >&2; exit 3
            metrics:
              - {name: broken_value, regex: 'value (?P<value>\\d+)'}
          - name: fine
            command: echo ok
        """)
        let result = await CommandTestConfig.probe(prober, module)
        #expect(!result.success)
        let m = result.metrics
        #expect(m.sample(named: "vandine_command_exit_status", labels: ["command": "broken"]) == 3)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "broken"]) == 0)
        // What it printed is still parsed: the exit status says something went wrong, not that
        // the output is useless.
        #expect(m.sample(named: "broken_value") == 5)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "fine"]) == 1)
        #expect(result.log.failureReason == "command broken: exit status 3, stderr \"no such file\"")
    }

    /// No exit status (a command killed by a signal; old SSH servers never send one) is no
    /// failure by itself: the output decides, and the missing status is logged.
    @Test func aMissingExitStatusIsNoSeriesAndNoFailure() async throws {
        let module = try CommandTestConfig.module("""
        commands:
          - name: killed
            command: echo 'v 4'; kill -9 $$
            metrics: [{name: killed_value, regex: 'v (?P<value>\\d)'}]
        """)
        let result = await CommandTestConfig.probe(prober, module)
        #expect(result.success, "\(result.log.entries)")
        #expect(result.metrics.sample(named: "killed_value") == 4)
        #expect(result.metrics.sample(named: "vandine_command_exit_status", labels: ["command": "killed"]) == nil)
        #expect(result.log.entries.contains { $0.hasSuffix("command killed: the server sent no exit status (killed by a signal, or an old SSH server)") })
    }

    @Test func aMetricThatMatchesNothingFailsItsCommandAndMakesNoSeries() async throws {
        let module = try CommandTestConfig.module("""
        commands:
          - name: version
            command: echo 'version 1.2'
            metrics:
              - {name: router_version_info, regex: 'version (?P<version>\\S+)'}
              - {name: router_temperature_celsius, regex: 'temp (?P<value>\\d+)'}
              - {name: router_build, regex: 'version (?P<value>[a-z]+)?'}
        """)
        let result = await CommandTestConfig.probe(prober, module)
        #expect(!result.success)
        #expect(result.metrics.sample(named: "router_version_info", labels: ["version": "1.2"]) == 1)
        #expect(result.metrics.family(named: "router_temperature_celsius") == nil)
        #expect(result.metrics.family(named: "router_build") == nil)
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "version"]) == 0)
        #expect(result.log.failureReason == "command version: metric router_temperature_celsius: regex \"temp (?P<value>\\d+)\" matched nothing in the output; metric router_build: no match of \"version (?P<value>[a-z]+)?\" gave a number")
    }

    @Test func outputPastTheLimitIsCutAndFailsTheCommand() async throws {
        let module = try CommandTestConfig.module("""
        output_limit: 1KiB
        commands:
          - name: big
            command: "echo 'first 7'; head -c 5000 /dev/zero | tr '\\\\0' x"
            metrics:
              - {name: first_value, regex: '^first (?P<value>\\d+)'}
        """)
        let result = await CommandTestConfig.probe(prober, module)
        #expect(!result.success)
        #expect(result.metrics.sample(named: "vandine_command_output_bytes", labels: ["command": "big"]) == 1024)
        #expect(result.metrics.sample(named: "first_value") == 7)
        #expect(result.log.failureReason == "command big: output passed output_limit, the rest was dropped")
    }

    /// A command that hangs is cut at the probe's deadline: what ran before is reported, the
    /// command that hung reports its time and failure, the rest report that they did not run.
    @Test func aHangingCommandIsCutAtTheDeadline() async throws {
        let module = try CommandTestConfig.module("""
        commands:
          - name: before
            command: echo 'v 1'
            metrics: [{name: before_value, regex: 'v (?P<value>\\d)'}]
          - name: hangs
            command: sleep 30
          - name: after
            command: echo 'v 2'
        """, timeout: "1500ms")
        let result = await CommandTestConfig.probe(prober, module)
        #expect(!result.success)
        // (`sleep 30` would take 30 s; the slack is for a loaded machine.)
        #expect(result.elapsed > .milliseconds(1400) && result.elapsed < .milliseconds(3500), "took \(result.elapsed)")
        let m = result.metrics
        #expect(m.sample(named: "before_value") == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "before"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "hangs"]) == 0)
        let hung = try #require(m.sample(named: "vandine_command_duration_seconds", labels: ["command": "hangs"]))
        // How much of the 1.5 s the hung command had depends on how long `before` took to spawn
        // (over 1 s on a loaded machine): it ran until the deadline, so it ends with the probe.
        #expect(hung > 0 && hung < result.elapsed.inSeconds)
        #expect(m.sample(named: "vandine_command_exit_status", labels: ["command": "hangs"]) == nil)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "after"]) == 0)
        #expect(m.sample(named: "vandine_command_duration_seconds", labels: ["command": "after"]) == nil)
        #expect(result.log.failureReason == "command after: not run: the probe's deadline passed")
    }

    @Test func aTargetThatIsNoDeviceWithSSHSettingsFails() async throws {
        let module = try CommandTestConfig.module("commands: [{name: a, command: echo}]")
        let none = await CommandTestConfig.probe(prober, module, device: nil)
        #expect(!none.success)
        #expect(none.log.failureReason == "target 127.0.0.1 is no configured device (a command module needs one with ssh: settings)")
        let bare = await CommandTestConfig.probe(prober, module, device: DeviceConfig(name: "pi", address: "127.0.0.1"))
        #expect(bare.log.failureReason == "device pi has no ssh: settings")
    }

    /// Until the session pool is wired in, the registry's command prober says so for every command.
    @Test func theUnwiredExecutorFailsEveryCommandWithItsReason() async throws {
        let module = try CommandTestConfig.module("commands: [{name: a, command: echo}, {name: b, command: echo}]")
        let registry = ProberRegistry(tcp: TCPProber(), http: TCPProber(), dns: TCPProber(), icmp: TCPProber())
        let result = await CommandTestConfig.probe(registry.prober(for: module.options), module)
        #expect(!result.success)
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "a"]) == 0)
        #expect(result.metrics.sample(named: "vandine_command_success", labels: ["command": "b"]) == 0)
        #expect(result.log.failureReason == "command b: not run: router: no SSH session pool is wired into this prober registry: ssh modules cannot log in")
    }
}
