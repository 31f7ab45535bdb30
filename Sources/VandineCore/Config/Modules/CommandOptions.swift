/// Options of the `command` prober: commands run on a device over SSH (what people used Netmiko
/// or script_exporter + `ssh` for), their output turned into gauges by regular expressions.
///
/// ```yaml
/// command:
///   mode: exec                  # exec (default): one SSH exec channel per command;
///                               # shell: one interactive shell with a PTY (CLI devices)
///   prompt: '[>#$%]\s*$'        # shell: regex matched against the last output line, ending a command
///   pre_commands: ["terminal length 0"]   # shell: sent first, output discarded
///   paging_prompt: '--More--'   # shell: a pager prompt, answered with paging_answer and removed
///   paging_answer: " "          # shell (default " ")
///   enable:                     # shell: privileged mode first (Netmiko's `secret`), unless the
///     command: enable           #   prompt already matches enabled_prompt
///     password_file: /etc/vandine/enable   # or password: ${ENABLE_PASSWORD}
///     password_prompt: '[Pp]assword: *$'
///     enabled_prompt: '#\s*$'
///   output_limit: 1MiB          # per command: bytes kept (B, KiB, MiB; default 1MiB)
///   commands:
///     - name: uptime            # the `command` label of vandine_command_* series
///       command: cat /proc/uptime
///       metrics:
///         - name: router_uptime_seconds
///           help: Seconds since boot.
///           regex: '^(?P<value>[0-9.]+)'
///           labels: {source: proc}   # constant labels
///           scale: 1                 # the captured value is multiplied by this
/// ```
///
/// A metric's regex is Go RE2 syntax matched line-wise (as if it began with `(?m)`: `^` and `$`
/// match at each line, `.` stops at a newline). Every match is one sample of a gauge; the
/// capture named `value` is its value (a match without one is 1), every other named capture a
/// label. Regexes are compiled when the config loads.
public struct CommandOptions: ProberOptionsSection {
    public static let proberName = "command"
    /// The target is a configured device; SSH's port comes from its `ssh:` settings.
    public static let targetForm = TargetForm.host(noPort: "a command module logs in on the SSH port of the device's ssh: settings")
    /// Running commands is no check of a service's port.
    public static let canCheckService = false

    /// How commands reach the device.
    public enum Mode: String, Sendable, Equatable {
        /// One SSH exec channel per command, with an exit status (Linux, BusyBox, most routers).
        case exec
        /// One interactive shell with a PTY, commands typed at its prompt (Cisco-style CLIs
        /// without exec).
        case shell
    }

    /// One metric taken from a command's output.
    public struct Metric: Sendable, Equatable {
        /// Prometheus metric name; the metric is a gauge.
        public var name: String
        public var help: String
        /// The pattern as written in the config (compiled with a leading `(?m)` in ``regex``).
        public var pattern: String
        /// ``pattern`` compiled line-wise.
        public var regex: RegularExpression
        /// Constant labels added to every sample.
        public var labels: [String: String]
        /// The captured value is multiplied by this (e.g. 0.001 for milliseconds to seconds).
        public var scale: Double

        /// The capture that holds a sample's value.
        public static let valueCapture = "value"

        public init(name: String, help: String, pattern: String, regex: RegularExpression, labels: [String: String] = [:], scale: Double = 1) {
            self.name = name
            self.help = help
            self.pattern = pattern
            self.regex = regex
            self.labels = labels
            self.scale = scale
        }

        /// The named captures that become labels, with their group numbers (1-based).
        public var labelCaptures: [(name: String, group: Int)] {
            regex.groupNames.enumerated().compactMap { index, name in
                guard let name, name != Self.valueCapture else { return nil }
                return (name, index + 1)
            }
        }

        /// The group number of the `value` capture, if the pattern has one.
        public var valueGroup: Int? {
            regex.groupNames.firstIndex(of: Self.valueCapture).map { $0 + 1 }
        }
    }

    /// Shell mode: how to enter privileged mode (Cisco's `enable`) before the commands.
    public struct Enable: Sendable, Equatable {
        /// Sent to ask for privileged mode.
        public var command: String
        /// Answers ``passwordPrompt``; nil when the device asks for none.
        public var password: Secret?
        /// Matched against the line being written after ``command``: the device wants the password.
        public var passwordPrompt: RegularExpression
        /// A prompt in privileged mode: enable is skipped when the first prompt matches, and fails
        /// when the prompt after it does not.
        public var enabledPrompt: RegularExpression

        public static let defaultPasswordPrompt = "[Pp]assword: *$"
        public static let defaultEnabledPrompt = "#\\s*$"

        public init(command: String = "enable", password: Secret? = nil,
                    passwordPrompt: RegularExpression = CommandOptions.compileLineWise(Enable.defaultPasswordPrompt)!,
                    enabledPrompt: RegularExpression = CommandOptions.compileLineWise(Enable.defaultEnabledPrompt)!) {
            self.command = command
            self.password = password
            self.passwordPrompt = passwordPrompt
            self.enabledPrompt = enabledPrompt
        }
    }

    /// One command and the metrics read from its output.
    public struct Command: Sendable, Equatable {
        /// The `command` label.
        public var name: String
        /// The command line sent to the device.
        public var command: String
        public var metrics: [Metric]

        public init(name: String, command: String, metrics: [Metric] = []) {
            self.name = name
            self.command = command
            self.metrics = metrics
        }
    }

    public var mode: Mode
    /// Shell mode: matched against the last line of output; a match ends the command's output.
    public var prompt: RegularExpression
    /// Shell mode: sent after the first prompt, before the commands; their output is discarded.
    public var preCommands: [String]
    /// Shell mode: a pager's prompt (`--More--`), answered with ``pagingAnswer`` and removed.
    public var pagingPrompt: RegularExpression?
    public var pagingAnswer: String
    /// Shell mode: enter privileged mode before the commands.
    public var enable: Enable?
    /// Most bytes of output kept per command; more fails the command.
    public var outputLimit: Int
    public var commands: [Command]

    /// A prompt ends in `>`, `#`, `$` or `%` and maybe blanks: Cisco, Juniper, MikroTik, sh and csh.
    public static let defaultPrompt = "[>#$%]\\s*$"
    public static let defaultOutputLimit = 1 << 20
    /// Bounds of `output_limit`: a command's output is held in memory while it is parsed.
    public static let outputLimitRange = 1024...(64 << 20)
    /// Most matches turned into samples per metric and command (a regex that matches every byte
    /// of a megabyte of output would otherwise make a million series).
    public static let maximumSamplesPerMetric = 1000

    public init(mode: Mode = .exec, prompt: RegularExpression = CommandOptions.compileLineWise(CommandOptions.defaultPrompt)!, preCommands: [String] = [],
                pagingPrompt: RegularExpression? = nil, pagingAnswer: String = " ", enable: Enable? = nil, outputLimit: Int = CommandOptions.defaultOutputLimit,
                commands: [Command] = []) {
        self.mode = mode
        self.prompt = prompt
        self.preCommands = preCommands
        self.pagingPrompt = pagingPrompt
        self.pagingAnswer = pagingAnswer
        self.enable = enable
        self.outputLimit = outputLimit
        self.commands = commands
    }

    public var wrapped: ProberOptions { .command(self) }

    /// `pattern` compiled as if written with a leading `(?m)`, or nil when it does not compile.
    public static func compileLineWise(_ pattern: String) -> RegularExpression? {
        try? lineWise(pattern).get()
    }

    static func lineWise(_ pattern: String) -> Result<RegularExpression, RegularExpressionError> {
        RegularExpression.compile("(?m)" + pattern)
    }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> CommandOptions {
        guard let node else { throw context.moduleError("a command module needs a command: section with its commands") }
        let map = try node.mapping(allowedKeys: [
            "mode", "prompt", "pre_commands", "paging_prompt", "paging_answer", "enable", "output_limit", "commands",
        ])
        var options = CommandOptions()
        if let value = map["mode"] {
            guard let mode = Mode(rawValue: try value.string()) else { throw value.error("must be exec or shell, got \(value.quotedValue)") }
            options.mode = mode
        }
        for key in ["prompt", "pre_commands", "paging_prompt", "paging_answer", "enable"] where options.mode == .exec {
            if let value = map[key] { throw value.error("\(key) needs mode: shell (exec mode runs each command on its own channel)") }
        }
        if let value = map["prompt"] { options.prompt = try lineWiseRegex(value) }
        if let value = map["pre_commands"] {
            options.preCommands = []
            for item in try value.list() { options.preCommands.append(try oneLine(item)) }
        }
        if let value = map["paging_prompt"] { options.pagingPrompt = try lineWiseRegex(value) }
        if let value = map["paging_answer"] { options.pagingAnswer = try value.string() }
        if let value = map["enable"] { options.enable = try parseEnable(value, context: context) }
        if let value = map["output_limit"] { options.outputLimit = try byteSize(value, in: outputLimitRange) }
        let list = try map.required("commands")
        var firstUse: [String: String] = [:]
        for item in try list.list() {
            let command = try parseCommand(item)
            if let first = firstUse[command.name] {
                throw try item.anyMapping().required("name").error("duplicate command name \"\(command.name)\" (first used at \(first)): it is the command label")
            }
            firstUse[command.name] = item.path
            options.commands.append(command)
        }
        guard !options.commands.isEmpty else { throw list.error("must list at least one command") }
        return options
    }

    static func parseEnable(_ node: ConfigNode, context: ModuleParseContext) throws(ConfigError) -> Enable {
        let map = try node.mapping(allowedKeys: ["command", "password", "password_file", "password_prompt", "enabled_prompt"])
        var enable = Enable()
        if let value = map["command"] { enable.command = try oneLine(value) }
        enable.password = try context.secret("password", in: map)
        if let value = map["password_prompt"] { enable.passwordPrompt = try lineWiseRegex(value) }
        if let value = map["enabled_prompt"] { enable.enabledPrompt = try lineWiseRegex(value) }
        return enable
    }

    /// A non-empty string without line breaks (one line typed at the device).
    static func oneLine(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.nonEmptyString()
        guard !text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else {
            throw node.error("must be one line (a line break would send a second command)")
        }
        return text
    }

    static func parseCommand(_ node: ConfigNode) throws(ConfigError) -> Command {
        let map = try node.mapping(allowedKeys: ["name", "command", "metrics"])
        let nameNode = try map.required("name")
        let name = try nameNode.nonEmptyString()
        let text = try oneLine(try map.required("command"))
        var command = Command(name: name, command: text)
        for item in try map["metrics"]?.list() ?? [] { command.metrics.append(try parseMetric(item)) }
        return command
    }

    static func parseMetric(_ node: ConfigNode) throws(ConfigError) -> Metric {
        let map = try node.mapping(allowedKeys: ["name", "help", "regex", "labels", "scale"])
        let nameNode = try map.required("name")
        let name = try nameNode.string()
        guard isValidMetricName(name) else {
            throw nameNode.error("invalid metric name \(nameNode.quotedValue) (must match [a-zA-Z_:][a-zA-Z0-9_:]*)")
        }
        if let prefix = reservedMetricPrefixes.first(where: { name.hasPrefix($0) }) {
            throw nameNode.error("metric name \(nameNode.quotedValue) starts with \(prefix), which is the exporter's own")
        }
        let regexNode = try map.required("regex")
        let regex = try lineWiseRegex(regexNode)
        var metric = Metric(name: name, help: try map["help"]?.string() ?? "Taken from the output of a command by regex.",
                            pattern: try regexNode.string(), regex: regex)
        var captured = Set<String>()
        for case let capture? in regex.groupNames where capture != Metric.valueCapture {
            guard ConfigLoader.isValidLabelName(capture), !capture.hasPrefix("__") else {
                throw regexNode.error("capture (?P<\(capture)>…) of \(regexNode.quotedValue) is no valid label name (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)")
            }
            guard captured.insert(capture).inserted else {
                throw regexNode.error("capture (?P<\(capture)>…) appears twice in \(regexNode.quotedValue)")
            }
        }
        if regex.groupNames.filter({ $0 == Metric.valueCapture }).count > 1 {
            throw regexNode.error("capture (?P<value>…) appears twice in \(regexNode.quotedValue)")
        }
        if let labels = map["labels"] {
            for (key, value) in try labels.anyMapping().entries {
                guard ConfigLoader.isValidLabelName(key.string), !key.string.hasPrefix("__") else {
                    throw key.node.error("invalid label name \"\(key.string)\" (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)")
                }
                guard !captured.contains(key.string) else {
                    throw key.node.error("label \"\(key.string)\" is also a capture of the regex: set it one way")
                }
                metric.labels[key.string] = try value.string()
            }
        }
        if let value = map["scale"] {
            guard let scale = Double(try value.string()), scale.isFinite, scale != 0 else {
                throw value.error("must be a non-zero number such as 0.001, got \(value.quotedValue)")
            }
            metric.scale = scale
        }
        return metric
    }

    /// Metric name prefixes the exporter's own series use.
    static let reservedMetricPrefixes = ["probe_", "vandine_"]

    /// Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*` (data model, "Metric names and labels").
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, ConfigLoader.isLetterOrUnderscore(first) || first == UInt8(ascii: ":") else { return false }
        return name.utf8.allSatisfy { ConfigLoader.isLetterOrUnderscore($0) || ConfigLoader.isDigit($0) || $0 == UInt8(ascii: ":") }
    }

    /// A regex compiled line-wise, with an error naming the pattern as written.
    static func lineWiseRegex(_ node: ConfigNode) throws(ConfigError) -> RegularExpression {
        let text = try node.string()
        switch lineWise(text) {
        case let .success(regex): return regex
        case let .failure(error): throw node.error("invalid regular expression \(node.quotedValue): \(error.reason)")
        }
    }

    /// `65536`, `64KiB`, `1MiB` (also `KB`/`MB` as powers of 1000, `B`), within `range`.
    static func byteSize(_ node: ConfigNode, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try node.string()
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("KB", 1000), ("MB", 1_000_000), ("B", 1)]
        var digits = Substring(text)
        var scale = 1
        if let unit = units.first(where: { text.hasSuffix($0.0) }) {
            digits = digits.dropLast(unit.0.count)
            scale = unit.1
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits),
              !number.multipliedReportingOverflow(by: scale).overflow else {
            throw node.error("must be a size like 65536, 64KiB or 1MiB, got \(node.quotedValue)")
        }
        let bytes = number * scale
        guard range.contains(bytes) else {
            throw node.error("must be \(range.lowerBound) bytes to \(range.upperBound >> 20)MiB, got \(node.quotedValue)")
        }
        return bytes
    }

    /// A command module logs in over SSH: the device needs `ssh:` settings.
    public func problem(probing device: DeviceConfig) -> String? {
        device.ssh == nil ? "a command module logs in over SSH, and the device has no ssh: settings (user and a key or password)" : nil
    }

    public func render() -> String {
        var out = "mode: \(mode.rawValue)\n"
        if mode == .shell {
            out += "prompt: \(ConfigRenderer.quote(Self.written(prompt)))\n"
            if !preCommands.isEmpty { out += "pre_commands: [\(preCommands.map(ConfigRenderer.quote).joined(separator: ", "))]\n" }
            if let pagingPrompt { out += "paging_prompt: \(ConfigRenderer.quote(Self.written(pagingPrompt)))\n" }
            out += "paging_answer: \(ConfigRenderer.quote(pagingAnswer))\n"
            if let enable {
                out += "enable:\n  command: \(ConfigRenderer.quote(enable.command))\n"
                if enable.password != nil { out += "  password: \(ConfigRenderer.redacted)\n" }
                out += "  password_prompt: \(ConfigRenderer.quote(Self.written(enable.passwordPrompt)))\n"
                out += "  enabled_prompt: \(ConfigRenderer.quote(Self.written(enable.enabledPrompt)))\n"
            }
        }
        out += "output_limit: \(outputLimit)\n"
        out += "commands:\n"
        for command in commands {
            out += "  - name: \(ConfigRenderer.quote(command.name))\n    command: \(ConfigRenderer.quote(command.command))\n"
            guard !command.metrics.isEmpty else { continue }
            out += "    metrics:\n"
            for metric in command.metrics {
                out += "      - name: \(metric.name)\n        help: \(ConfigRenderer.quote(metric.help))\n"
                out += "        regex: \(ConfigRenderer.quote(metric.pattern))\n"
                if !metric.labels.isEmpty {
                    let pairs = metric.labels.keys.sorted().map { "\($0): \(ConfigRenderer.quote(metric.labels[$0]!))" }
                    out += "        labels: {\(pairs.joined(separator: ", "))}\n"
                }
                if metric.scale != 1 { out += "        scale: \(metric.scale)\n" }
            }
        }
        return out
    }

    /// A line-wise pattern as the user wrote it (without the `(?m)` it was compiled with).
    static func written(_ regex: RegularExpression) -> String {
        regex.pattern.hasPrefix("(?m)") ? String(regex.pattern.dropFirst(4)) : regex.pattern
    }
}
