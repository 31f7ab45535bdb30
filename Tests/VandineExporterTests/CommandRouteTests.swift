import Foundation
import Testing
import TestSupport
import VandineCore

/// Command modules through the real `vandine-exporter` binary's `/probe`, logging in to a real
/// sshd on loopback (``SSHTestServer``) through the session pool the exporter wires in: exec mode
/// as root with a key, and shell mode against an sshd whose `ForceCommand` is
/// `scripts/scripted-router-cli` (prompt, paging, `terminal length 0`, an enable password that
/// never shows in the output, the debug output, `/config` or the log). Serialized: each test owns
/// an sshd and an exporter.
@Suite(.serialized) struct CommandRouteTests {
    /// The scripted Cisco-style CLI the repository ships for these tests.
    static let scriptedCLI = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/scripted-router-cli").path

    /// A device named `name` whose `ssh:` logs in to `server` as root with the ed25519 client key,
    /// its host key checked against a known_hosts file holding the server's ed25519 key.
    static func device(_ name: String, on server: SSHTestServer, modules: [String]) throws -> String {
        let knownHosts = server.directory + "/known_hosts"
        try (try server.knownHostsLine(.ed25519) + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        return """
              - name: \(name)
                address: 127.0.0.1
                modules: [\(modules.joined(separator: ", "))]
                ssh: {user: root, port: \(server.port), private_key_file: \(server.clientKeyEd25519), known_hosts_file: \(knownHosts)}

            """
    }

    static func metrics(_ body: String) throws -> MetricSet {
        MetricSet(try ExpositionParser.parse(body))
    }

    /// Exec mode: each command on its own channel of the pooled session, its output turned into
    /// gauges; a command's exit status is reported and a non-zero one fails the probe.
    @Test func execModuleTurnsRemoteOutputIntoMetrics() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = """
            modules:
              linux_exec:
                prober: command
                timeout: 10s
                command:
                  commands:
                    - name: links
                      command: 'printf "eth0 rx 100\\neth1 rx 250\\n"'
                      metrics: [{name: link_receive_bytes, regex: '^(?P<device>\\S+) rx (?P<value>\\d+)$'}]
                    - name: whoami
                      command: id -u
                      metrics: [{name: remote_uid, regex: '^(?P<value>\\d+)$'}]
              failing_exec:
                prober: command
                timeout: 10s
                command:
                  commands:
                    - {name: fails, command: 'echo no such table >&2; exit 3'}
            devices:
            \(try Self.device("linux-box", on: server, modules: ["linux_exec", "failing_exec"]))
            """
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", try directory.write("vandine.yml", config)])
        defer { exporter.stop() }

        let probe = try await Curl.fetch(exporter.url("/probe?module=linux_exec&target=linux-box"))
        #expect(probe.status == 200)
        let m = try Self.metrics(probe.body)
        #expect(m.sample(named: "probe_success") == 1, "\(probe.body)")
        #expect(m.sample(named: "link_receive_bytes", labels: ["device": "eth0"]) == 100)
        #expect(m.sample(named: "link_receive_bytes", labels: ["device": "eth1"]) == 250)
        #expect(m.sample(named: "remote_uid") == 0, "the command ran as the device's ssh user (root)")
        for command in ["links", "whoami"] {
            #expect(m.sample(named: "vandine_command_success", labels: ["command": command]) == 1)
            #expect(m.sample(named: "vandine_command_exit_status", labels: ["command": command]) == 0)
        }

        let failed = try await Curl.fetch(exporter.url("/probe?module=failing_exec&target=linux-box&debug=true"))
        #expect(failed.body.contains("probe_success 0\n"))
        #expect(failed.body.contains("vandine_command_exit_status{command=\"fails\"} 3\n"))
        #expect(failed.body.contains("exit status 3, stderr \"no such table\""), "\(failed.body)")

        // Both probes (three commands) ran on one login.
        #expect(server.acceptedLogins == 1, "\(server.log)")
        let own = try Self.metrics(try await Curl.fetch(exporter.url("/metrics")).body)
        #expect(own.sample(named: "vandine_ssh_connects_total", labels: ["device": "linux-box", "result": "success"]) == 1)
        #expect(own.sample(named: "vandine_ssh_command_duration_seconds_count", labels: ["device": "linux-box"]) == 3)
    }

    static let enablePassword = "en4ble-S3cret-7"

    static func routerConfig(passwordFile: String, server: SSHTestServer) throws -> String {
        """
        modules:
          router_cli:
            prober: command
            timeout: 10s
            command:
              mode: shell
              prompt: '^router[>#] ?$'
              pre_commands: ["terminal length 0"]
              paging_prompt: '--More--'
              enable: {password_file: \(passwordFile)}
              commands:
                - name: interfaces
                  command: show interfaces
                  metrics:
                    - name: router_interface_receive_bytes
                      regex: '^(?P<interface>\\S+) is up.*\\n +\\d+ packets input, (?P<value>\\d+) bytes'
                - name: version
                  command: show version
                  metrics: [{name: router_version_info, regex: 'Version (?P<version>\\S+)'}]
          router_cli_paged:
            prober: command
            timeout: 10s
            command:
              mode: shell
              prompt: '^router[>#] ?$'
              paging_prompt: '--More--'
              enable: {password_file: \(passwordFile)}
              commands:
                - name: interfaces
                  command: show interfaces
                  metrics:
                    - name: router_interface_receive_bytes
                      regex: '^(?P<interface>\\S+) is up.*\\n +\\d+ packets input, (?P<value>\\d+) bytes'
          router_cli_no_enable:
            prober: command
            timeout: 5s
            command:
              mode: shell
              prompt: '^router[>#] ?$'
              enable: {password: wrong-password}
              commands: [{name: version, command: show version}]
        devices:
        \(try device("router", on: server, modules: ["router_cli", "router_cli_paged", "router_cli_no_enable"]))
        """
    }

    /// Shell mode over SSH: the CLI starts unprivileged (`router>`), `enable` asks for the password,
    /// `terminal length 0` turns paging off (or the pager is answered), and the interfaces'
    /// counters come back as gauges. The password reaches the CLI and nothing else.
    @Test func shellModeDrivesTheScriptedRouterCLIAndHidesTheEnablePassword() async throws {
        let server = try await SSHTestServer(.init(forceCommand: "\(Self.scriptedCLI) --enable-password \(Self.enablePassword)"))
        defer { server.remove() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let passwordFile = try directory.write("enable-password", Self.enablePassword + "\n")
        let exporter = try await ExporterProcess.started(
            arguments: ["--config.file", try directory.write("vandine.yml", Self.routerConfig(passwordFile: passwordFile, server: server))])
        defer { exporter.stop() }

        let probe = try await Curl.fetch(exporter.url("/probe?module=router_cli&target=router"))
        #expect(probe.status == 200)
        let m = try Self.metrics(probe.body)
        #expect(m.sample(named: "probe_success") == 1, "\(probe.body)")
        #expect(m.family(named: "router_interface_receive_bytes")?.samples.count == 12)
        #expect(m.sample(named: "router_interface_receive_bytes", labels: ["interface": "GigabitEthernet0/0"]) == 52000)
        #expect(m.sample(named: "router_interface_receive_bytes", labels: ["interface": "GigabitEthernet0/11"]) == 624_011)
        #expect(m.sample(named: "router_version_info", labels: ["version": "15.2(4)M7"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "interfaces"]) == 1)
        #expect(m.sample(named: "vandine_command_success", labels: ["command": "version"]) == 1)

        // The debug output: the conversation's steps and the module, its enable password redacted.
        let debug = try await Curl.fetch(exporter.url("/probe?module=router_cli&target=router&debug=true"))
        #expect(debug.body.contains("probe_success 1"))
        #expect(debug.body.contains("shell: prompt \"router>\""), "\(debug.body)")
        #expect(debug.body.contains("enable: prompt \"router# \""))
        #expect(debug.body.contains("pre-command \"terminal length 0\""))
        #expect(debug.body.contains("enable:\n    command: \"enable\"\n    password: <secret>\n"), "\(debug.body)")

        // Without `terminal length 0` the pager is answered and the same counters come back.
        let paged = try await Curl.fetch(exporter.url("/probe?module=router_cli_paged&target=router&debug=true"))
        #expect(paged.body.contains("probe_success 1"), "\(paged.body)")
        #expect(paged.body.contains("command interfaces: answered 2 pager prompts"))
        #expect(paged.body.contains("router_interface_receive_bytes{interface=\"GigabitEthernet0/11\"} 624011\n"))

        // A wrong password: the CLI refuses and the prompt stays unprivileged, which fails the probe.
        let refused = try await Curl.fetch(exporter.url("/probe?module=router_cli_no_enable&target=router&debug=true"))
        #expect(refused.body.contains("probe_success 0"), "\(refused.body)")
        #expect(refused.body.contains("vandine_command_success{command=\"version\"} 0"))

        // Every probe opened a shell on the one pooled login.
        #expect(server.acceptedLogins == 1, "\(server.log)")
        let config = try await Curl.fetch(exporter.url("/config"))
        #expect(config.status == 200)
        for (name, text) in [("probe", probe.body), ("debug", debug.body), ("paged", paged.body), ("refused", refused.body),
                             ("/config", config.body), ("log", exporter.log)] {
            #expect(!text.contains(Self.enablePassword), "the enable password shows in \(name)")
            #expect(!text.contains("wrong-password"), "the wrong password shows in \(name)")
        }

        // The SSH port comes from the device's settings: a port in the target is refused.
        let withPort = try await Curl.fetch(exporter.url("/probe?module=router_cli&target=router:22"))
        #expect(withPort.status == 400)
        #expect(withPort.body.contains("a command module logs in on the SSH port of the device's ssh: settings"))
    }
}
