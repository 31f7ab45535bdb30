import Testing
import VandineCore

/// The `command` section: every key parsed and rendered back; named captures known by name; the
/// regexes line-wise. The invalid cases are `invalid-command-*.yml` fixtures with their exact
/// `.err` lines, run by ConfigLoaderTests.
@Suite struct CommandOptionsTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    static let shellModule = """
    modules:
      router_cli:
        prober: command
        timeout: 10s
        command:
          mode: shell
          prompt: '^router[>#] ?$'
          pre_commands: ["terminal length 0"]
          paging_prompt: '--More--|<--- More --->'
          paging_answer: " "
          output_limit: 64KiB
          commands:
            - name: interfaces
              command: show interfaces
              metrics:
                - name: router_interface_receive_packets
                  help: Packets received.
                  regex: '^ +(?P<value>\\d+) packets input'
                - name: router_interface_receive_bytes
                  regex: '(?P<interface>\\S+) is up.*\\n +\\d+ packets input, (?P<value>\\d+) bytes'
                  labels: {source: cli}
            - name: version
              command: show version
              metrics:
                - name: router_version_info
                  regex: 'Version (?P<version>\\S+)'
                - name: router_uptime_seconds
                  regex: 'uptime is (?P<value>\\d+) days'
                  scale: 86400
    devices:
      - name: router
        address: 192.0.2.1
        modules: [router_cli]
        ssh: {user: admin, password: hunter2}
    """

    @Test func everyKeyIsRead() throws {
        let config = try Self.load(Self.shellModule)
        let module = try #require(config.modules["router_cli"])
        #expect(module.timeout == .seconds(10))
        guard case let .command(options) = module.options else { Issue.record("not command"); return }
        #expect(options.mode == .shell)
        #expect(options.preCommands == ["terminal length 0"])
        #expect(options.pagingAnswer == " ")
        #expect(options.outputLimit == 65536)
        #expect(options.commands.map(\.name) == ["interfaces", "version"])
        #expect(options.commands[0].command == "show interfaces")
        let bytes = options.commands[0].metrics[1]
        #expect(bytes.name == "router_interface_receive_bytes")
        #expect(bytes.help == "Taken from the output of a command by regex.")
        #expect(bytes.labels == ["source": "cli"])
        #expect(bytes.labelCaptures.map(\.name) == ["interface"])
        #expect(bytes.labelCaptures.map(\.group) == [1])
        #expect(bytes.valueGroup == 2)
        let version = options.commands[1].metrics[0]
        #expect(version.valueGroup == nil)
        #expect(version.labelCaptures.map(\.name) == ["version"])
        #expect(options.commands[1].metrics[1].scale == 86400)
        #expect(config.devices[0].modules == ["router_cli"])
    }

    @Test func renderShowsTheSettingsAsWrittenAndNoSecret() throws {
        let config = try Self.load(Self.shellModule)
        let rendered = ConfigRenderer.render(config)
        #expect(!rendered.contains("hunter2"))
        guard case let .command(options) = try #require(config.modules["router_cli"]).options else { return }
        #expect(options.render() == #"""
        mode: shell
        prompt: "^router[>#] ?$"
        pre_commands: ["terminal length 0"]
        paging_prompt: "--More--|<--- More --->"
        paging_answer: " "
        output_limit: 65536
        commands:
          - name: "interfaces"
            command: "show interfaces"
            metrics:
              - name: router_interface_receive_packets
                help: "Packets received."
                regex: "^ +(?P<value>\\d+) packets input"
              - name: router_interface_receive_bytes
                help: "Taken from the output of a command by regex."
                regex: "(?P<interface>\\S+) is up.*\\n +\\d+ packets input, (?P<value>\\d+) bytes"
                labels: {source: "cli"}
          - name: "version"
            command: "show version"
            metrics:
              - name: router_version_info
                help: "Taken from the output of a command by regex."
                regex: "Version (?P<version>\\S+)"
              - name: router_uptime_seconds
                help: "Taken from the output of a command by regex."
                regex: "uptime is (?P<value>\\d+) days"
                scale: 86400.0

        """#)
        // The rendered section loads back to the same options.
        let again = try Self.load("modules:\n  router_cli:\n    prober: command\n    command:\n"
            + ConfigRenderer.indent(options.render(), by: 6))
        #expect(again.modules["router_cli"]?.options == .command(options))
    }

    @Test func execModeIsTheDefaultWithAOneMebibyteLimit() throws {
        let config = try Self.load("""
        modules:
          uptime:
            prober: command
            command:
              commands:
                - {name: uptime, command: cat /proc/uptime}
        """)
        guard case let .command(options) = try #require(config.modules["uptime"]).options else { return }
        #expect(options.mode == .exec)
        #expect(options.outputLimit == 1 << 20)
        #expect(options.commands == [CommandOptions.Command(name: "uptime", command: "cat /proc/uptime")])
        #expect(options.render() == "mode: exec\noutput_limit: 1048576\ncommands:\n  - name: \"uptime\"\n    command: \"cat /proc/uptime\"\n")
    }

    /// Metric regexes are line-wise: `^` and `$` at every line, `.` never across a line end.
    @Test func metricRegexesMatchLineWise() throws {
        let regex = try #require(CommandOptions.compileLineWise("^(?P<name>\\w+): (?P<value>.*)$"))
        let matches = regex.allMatches(in: "eth0: 12\nwlan0: 34\n", limit: 10)
        #expect(matches.map { $0.compactMap { $0 } } == [["eth0: 12", "eth0", "12"], ["wlan0: 34", "wlan0", "34"]])
    }

    @Test(arguments: [
        ("output_limit: 2048", 2048), ("output_limit: 64KiB", 65536), ("output_limit: 2MiB", 2 << 20),
        ("output_limit: 10KB", 10_000), ("output_limit: 1MB", 1_000_000), ("output_limit: 4096B", 4096),
    ])
    func outputLimitTakesBinaryAndDecimalUnits(_ line: String, _ bytes: Int) throws {
        let config = try Self.load("""
        modules:
          m:
            prober: command
            command:
              \(line)
              commands: [{name: a, command: "true"}]
        """)
        guard case let .command(options) = try #require(config.modules["m"]).options else { return }
        #expect(options.outputLimit == bytes)
    }

    @Test(arguments: [
        ("output_limit: 512", "vandine.yml:5:21: modules.m.command.output_limit: must be 1024 bytes to 64MiB, got 512"),
        ("output_limit: lots", "vandine.yml:5:21: modules.m.command.output_limit: must be a size like 65536, 64KiB or 1MiB, got lots"),
        ("pre_commands: [a]", "vandine.yml:5:21: modules.m.command.pre_commands: pre_commands needs mode: shell (exec mode runs each command on its own channel)"),
        ("mode: ssh", "vandine.yml:5:13: modules.m.command.mode: must be exec or shell, got ssh"),
    ])
    func badSettingsAreOneExactLine(_ line: String, _ expected: String) {
        do {
            _ = try Self.load("""
            modules:
              m:
                prober: command
                command:
                  \(line)
                  commands: [{name: a, command: "true"}]
            """)
            Issue.record("loaded: \(line)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func aCommandMustBeOneLine() {
        do {
            _ = try Self.load("modules:\n  m:\n    prober: command\n    command:\n      commands: [{name: a, command: \"show version\\nreload\"}]\n")
            Issue.record("loaded a command with a line break")
        } catch {
            #expect(error.description == "vandine.yml:5:37: modules.m.command.commands[0].command: must be one line (a line break would send a second command)")
        }
    }

    /// The enable password is a secret: read from the environment (or a file), never rendered.
    @Test func theEnablePasswordIsASecret() throws {
        let config = try ConfigLoader(environment: ["ENABLE_PASSWORD": "t0psecret"]).parse(yaml: """
        modules:
          m:
            prober: command
            command:
              mode: shell
              enable: {password: "${ENABLE_PASSWORD}", password_prompt: 'Secret: $'}
              commands: [{name: a, command: show version}]
        """, file: "vandine.yml")
        let module = try #require(config.modules["m"])
        guard case let .command(options) = module.options else { return }
        let enable = try #require(options.enable)
        #expect(enable.password?.reveal() == "t0psecret")
        #expect(enable.command == "enable")
        #expect(enable.passwordPrompt.matches("Secret: "))
        #expect(enable.enabledPrompt.matches("router# "))
        #expect(!enable.enabledPrompt.matches("router>"))
        let rendered = ConfigRenderer.render(module: module)
        #expect(!rendered.contains("t0psecret"))
        #expect(rendered.contains("""
          enable:
            command: "enable"
            password: <secret>
            password_prompt: "Secret: $"
            enabled_prompt: "#\\\\s*$"
        """))
        #expect(!"\(options) \(String(reflecting: options))".contains("t0psecret"))
    }

    @Test func enableNeedsShellMode() {
        do {
            _ = try Self.load("modules:\n  m:\n    prober: command\n    command:\n      enable: {password: x}\n      commands: [{name: a, command: b}]\n")
            Issue.record("loaded")
        } catch {
            #expect(error.description == "vandine.yml:5:15: modules.m.command.enable: enable needs mode: shell (exec mode runs each command on its own channel)")
        }
    }
}
