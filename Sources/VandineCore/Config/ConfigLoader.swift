import FoundationEssentials

/// Reads and validates `vandine.yml`. Every problem is a `ConfigError` naming file, line, column,
/// key path and value; the first problem found is reported.
public struct ConfigLoader: Sendable {
    /// Environment used for `${VAR}` references (injectable for tests).
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads the file at `path`. Relative `*_file` paths inside are resolved against its folder.
    public func load(path: String) throws(ConfigError) -> ExporterConfig {
        let file = try ConfigFile.read(path: path)
        return try parse(yaml: file.text, file: file.name, baseDirectory: file.directory)
    }

    /// Parses YAML text; `file` is the name used in error messages.
    public func parse(yaml: String, file: String, baseDirectory: String = "") throws(ConfigError) -> ExporterConfig {
        let secrets = SecretReader(environment: environment, baseDirectory: baseDirectory)
        let root = try ConfigNode.parse(yaml: yaml, file: file)
            .mapping(allowedKeys: ["modules", "devices", "allowed_targets"])

        var config = ExporterConfig()
        if let modules = root["modules"] {
            for (key, value) in try modules.anyMapping().entries {
                guard Self.isValidModuleName(key.string) else {
                    throw key.node.error("module name must match [A-Za-z_][A-Za-z0-9_-]*, got \"\(key.string)\"")
                }
                config.modules[key.string] = try Self.module(named: key.string, from: value)
            }
        }
        var firstUse: [String: String] = [:]
        for node in try root["devices"]?.list() ?? [] {
            let device = try Self.device(from: node, modules: config.modules, secrets: secrets)
            if let first = firstUse[device.name.lowercased()] {
                throw try node.mapping(allowedKeys: Self.deviceKeys).required("name")
                    .error("duplicate device name \"\(device.name)\" (first used at \(first))")
            }
            firstUse[device.name.lowercased()] = node.path
            config.devices.append(device)
        }
        for node in try root["allowed_targets"]?.list() ?? [] {
            let entry = try node.nonEmptyString()
            if entry.contains("/") || IPAddress(entry) != nil {
                guard let network = IPNetwork(entry) else {
                    throw node.error("must be a CIDR like 127.0.0.0/8 or a host pattern like *.lan, got \(node.quotedValue)")
                }
                config.allowedTargets.networks.append(network)
            } else {
                guard entry.utf8.allSatisfy({ Self.isHostPatternByte($0) }), entry.contains(where: { $0 != "*" && $0 != "?" && $0 != "." }) || entry == "*" else {
                    throw node.error("must be a CIDR like 127.0.0.0/8 or a host pattern like *.lan, got \(node.quotedValue)")
                }
                config.allowedTargets.hostPatterns.append(entry)
            }
        }
        return config
    }

    // MARK: - Modules

    static func module(named name: String, from node: ConfigNode) throws(ConfigError) -> ModuleConfig {
        let map = try node.mapping(allowedKeys: ["prober", "timeout", "interval", "tcp"])
        let proberNode = try map.required("prober")
        let proberName = try proberNode.string()
        guard let prober = ProberKind(rawValue: proberName) else {
            throw proberNode.error("unknown prober \(proberNode.quotedValue) (known probers: \(ProberKind.names))")
        }
        var module = ModuleConfig(name: name, prober: prober)
        if let timeout = map["timeout"] {
            module.timeout = try positive(timeout)
        }
        if let interval = map["interval"] {
            module.interval = try positive(interval)
        }
        if let tcp = map["tcp"] {
            guard prober == .tcp else { throw tcp.error("tcp options need prober tcp, this module uses \(prober.rawValue)") }
            module.tcp = try tcpOptions(from: tcp)
        }
        return module
    }

    static func positive(_ node: ConfigNode) throws(ConfigError) -> PrometheusDuration {
        let duration = try node.duration()
        guard duration.milliseconds > 0 else { throw node.error("must be greater than 0, got \(node.quotedValue)") }
        return duration
    }

    static func tcpOptions(from node: ConfigNode) throws(ConfigError) -> TCPModuleOptions {
        let map = try node.mapping(allowedKeys: ["preferred_ip_protocol", "ip_protocol_fallback", "expect_banner", "port"])
        var options = TCPModuleOptions()
        if let family = map["preferred_ip_protocol"] {
            guard let value = IPProtocol(rawValue: try family.string()) else {
                throw family.error("must be ip4 or ip6, got \(family.quotedValue)")
            }
            options.preferredIPProtocol = value
        }
        if let fallback = map["ip_protocol_fallback"] { options.ipProtocolFallback = try fallback.bool() }
        if let expect = map["expect_banner"] {
            let text = try expect.string()
            if let problem = RegularExpression.problem(with: text) {
                throw expect.error("regular expression is \(problem)")
            }
            guard let pattern = RegularExpression(text) else {
                throw expect.error("invalid regular expression \(expect.quotedValue)")
            }
            options.expectBanner = pattern
        }
        if let port = map["port"] { options.port = try port.int(in: 1...65535) }
        return options
    }

    // MARK: - Devices

    static let deviceKeys: Set<String> = ["name", "address", "labels", "modules", "ssh", "services"]

    static func device(from node: ConfigNode, modules: [String: ModuleConfig],
                       secrets: SecretReader) throws(ConfigError) -> DeviceConfig {
        let map = try node.mapping(allowedKeys: deviceKeys)
        let nameNode = try map.required("name")
        let name = try nameNode.nonEmptyString()
        guard name.utf8.allSatisfy({ isHostPatternByte($0) && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "?") }) else {
            throw nameNode.error("device name may hold letters, digits, '.', '-' and '_' only, got \(nameNode.quotedValue)")
        }
        let addressNode = try map.required("address")
        let address = try addressNode.nonEmptyString()
        guard address.utf8.allSatisfy({ isHostPatternByte($0) || $0 == UInt8(ascii: ":") }),
              !address.contains("*"), !address.contains("?")
        else {
            throw addressNode.error("must be a host name or an IP address, got \(addressNode.quotedValue)")
        }
        var device = DeviceConfig(name: name, address: address)
        if let labels = map["labels"] {
            for (key, value) in try labels.anyMapping().entries {
                guard isValidLabelName(key.string), !key.string.hasPrefix("__") else {
                    throw key.node.error("invalid label name \"\(key.string)\" (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)")
                }
                device.labels[key.string] = try value.string()
            }
        }
        if let list = map["modules"] {
            for item in try list.list() {
                let reference = try item.nonEmptyString()
                guard modules[reference] != nil else {
                    throw item.error("unknown module \(item.quotedValue) (defined modules: \(modules.keys.sorted().joined(separator: ", ")))")
                }
                device.modules.append(reference)
            }
        }
        if let ssh = map["ssh"] { device.ssh = try sshSettings(from: ssh, secrets: secrets) }
        if let services = map["services"] {
            for item in try services.list() {
                device.services.append(try service(from: item, modules: modules))
            }
        }
        return device
    }

    static func sshSettings(from node: ConfigNode, secrets: SecretReader) throws(ConfigError) -> SSHSettings {
        let map = try node.mapping(allowedKeys: [
            "user", "port", "password", "password_file", "private_key_file", "passphrase", "passphrase_file",
            "known_hosts_file", "insecure_skip_host_key_check",
        ])
        var ssh = SSHSettings(user: try map.required("user").nonEmptyString())
        if let port = map["port"] { ssh.port = try port.int(in: 1...65535) }
        ssh.password = try secrets.secret("password", in: map)
        ssh.passphrase = try secrets.secret("passphrase", in: map)
        if let key = map["private_key_file"] {
            let given = try key.nonEmptyString()
            let path = secrets.resolve(given)
            guard FileManager.default.isReadableFile(atPath: path) else { throw key.error("cannot read file \(given)") }
            ssh.privateKeyFile = path
        }
        if let knownHosts = map["known_hosts_file"] { ssh.knownHostsFile = secrets.resolve(try knownHosts.nonEmptyString()) }
        if let skip = map["insecure_skip_host_key_check"] { ssh.insecureSkipHostKeyCheck = try skip.bool() }
        return ssh
    }

    static func service(from node: ConfigNode, modules: [String: ModuleConfig]) throws(ConfigError) -> ServiceConfig {
        let map = try node.mapping(allowedKeys: ["name", "port", "module"])
        var service = ServiceConfig(name: try map.required("name").nonEmptyString(),
                                    port: try map.required("port").int(in: 1...65535))
        if let moduleNode = map["module"] {
            let name = try moduleNode.nonEmptyString()
            guard let module = modules[name] else {
                throw moduleNode.error("unknown module \(moduleNode.quotedValue) (defined modules: \(modules.keys.sorted().joined(separator: ", ")))")
            }
            guard module.prober == .tcp else {
                throw moduleNode.error("module \"\(name)\" uses prober \(module.prober.rawValue), a service needs a tcp module")
            }
            service.module = name
        }
        return service
    }

    // MARK: - Names

    static func isValidModuleName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetterOrUnderscore(first) else { return false }
        return name.utf8.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetterOrUnderscore(first) else { return false }
        return name.utf8.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) }
    }

    static func isHostPatternByte(_ byte: UInt8) -> Bool {
        isLetterOrUnderscore(byte) || isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?")
    }

    static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
