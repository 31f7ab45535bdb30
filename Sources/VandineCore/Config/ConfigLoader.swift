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
            .mapping(allowedKeys: ["modules", "devices", "allowed_targets", "icmp", "discovery", "smokeping"])

        var config = ExporterConfig()
        if let modules = root["modules"] {
            let entries = try modules.anyMapping().entries
            // Read first, so that options naming another module can check it whatever the order.
            var probers: [String: String] = [:]
            for (key, value) in entries {
                if let prober = try? value.anyMapping()["prober"], let name = try? prober.string() { probers[key.string] = name }
            }
            for (key, value) in entries {
                guard Self.isValidModuleName(key.string) else {
                    throw key.node.error("module name must match [A-Za-z_][A-Za-z0-9_-]*, got \"\(key.string)\"")
                }
                config.modules[key.string] = try Self.module(named: key.string, from: value, secrets: secrets, moduleProbers: probers)
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
            if entry.contains("/") || entry.contains(":") || IPAddress(entry) != nil {
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
        if let icmp = root["icmp"] { config.icmp = try ICMPSettings.parse(icmp) }
        if let discovery = root["discovery"] {
            config.discovery = try DiscoveryConfig.parse(discovery, modules: config.modules)
        }
        if let smokeping = root["smokeping"] {
            config.smokeping = try SmokepingConfig.parse(smokeping, devices: config.devices)
        }
        return config
    }

    // MARK: - Modules

    /// Keys a module may have besides its prober's section.
    static let moduleKeys: Set<String> = ["prober", "timeout", "interval"]

    static func module(named name: String, from node: ConfigNode, secrets: SecretReader,
                       moduleProbers: [String: String] = [:]) throws(ConfigError) -> ModuleConfig {
        let sectionNames = Set(ProberOptions.sections.map { $0.proberName })
        let map = try node.mapping(allowedKeys: moduleKeys.union(sectionNames))
        let proberNode = try map.required("prober")
        let proberName = try proberNode.string()
        guard let section = ProberOptions.section(named: proberName) else {
            throw proberNode.error("unknown prober \(proberNode.quotedValue) (known probers: \(ProberOptions.proberNames.joined(separator: ", ")))")
        }
        for (key, value) in map.entries where sectionNames.contains(key.string) && key.string != proberName && !value.isNull {
            throw key.node.error("\(key.string) options need prober \(key.string), this module uses \(proberName)")
        }
        let parseContext = ModuleParseContext(secrets: secrets, module: node, moduleProbers: moduleProbers)
        let options = try section.parse(map[proberName], context: parseContext).wrapped
        var module = ModuleConfig(name: name, options: options)
        if let timeout = map["timeout"] {
            module.timeout = try positive(timeout)
        }
        if let interval = map["interval"] {
            module.interval = try positive(interval)
        }
        if let problem = options.section.problem(withTimeout: module.timeout) {
            throw (map["timeout"] ?? node).error(problem)
        }
        return module
    }

    static func positive(_ node: ConfigNode) throws(ConfigError) -> PrometheusDuration {
        let duration = try node.duration()
        guard duration.milliseconds > 0 else { throw node.error("must be greater than 0, got \(node.quotedValue)") }
        return duration
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
        guard case .success = HostPort.host(address) else {
            throw addressNode.error("must be a host name or an IP address, got \(addressNode.quotedValue)")
        }
        var device = DeviceConfig(name: name, address: address)
        if let labels = map["labels"] {
            device.labels = try Self.labels(from: labels, reserved: ServiceDiscoveryLabels.reserved)
        }
        // ssh and services before modules: a module's problem hook may look at them (the services
        // prober, the command prober, the node prober's ssh source).
        if let ssh = map["ssh"] { device.ssh = try sshSettings(from: ssh, secrets: secrets) }
        if let services = map["services"] {
            var firstUse: [String: String] = [:]
            for item in try services.list() {
                let service = try service(from: item, modules: modules)
                let key = "\(service.port) \(service.name)"
                if let first = firstUse[key] {
                    throw try item.mapping(allowedKeys: serviceKeys).required("name")
                        .error("duplicate service \"\(service.name)\" on port \(service.port) (first listed at \(first)): the services prober labels its series by service and port")
                }
                firstUse[key] = item.path
                device.services.append(service)
            }
        }
        if let list = map["modules"] {
            for item in try list.list() {
                let reference = try item.nonEmptyString()
                guard let module = modules[reference] else {
                    throw item.error("unknown module \(item.quotedValue) (defined modules: \(modules.keys.sorted().joined(separator: ", ")))")
                }
                if let problem = module.options.section.problem(probing: device) {
                    throw item.error("module \"\(reference)\" can never succeed against device \"\(name)\": \(problem)")
                }
                device.modules.append(reference)
            }
        }
        return device
    }

    /// A `labels:` mapping for `/sd`: valid Prometheus names, none starting with `__`, none that
    /// `/sd` sets itself (`reserved`).
    static func labels(from node: ConfigNode, reserved: Set<String>) throws(ConfigError) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in try node.anyMapping().entries {
            guard isValidLabelName(key.string), !key.string.hasPrefix("__") else {
                throw key.node.error("invalid label name \"\(key.string)\" (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)")
            }
            guard !reserved.contains(key.string) else {
                throw key.node.error("label name \"\(key.string)\" is reserved: /sd sets it itself (reserved: \(reserved.sorted().joined(separator: ", ")))")
            }
            labels[key.string] = try value.string()
        }
        return labels
    }

    static func sshSettings(from node: ConfigNode, secrets: SecretReader) throws(ConfigError) -> SSHSettings {
        let map = try node.mapping(allowedKeys: [
            "user", "port", "password", "password_file", "private_key_file", "passphrase", "passphrase_file",
            "known_hosts_file", "insecure_ignore_host_key", "trust_on_first_use", "use_agent",
            "kex_algorithms", "host_key_algorithms", "ciphers", "macs",
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
        if let ignore = map["insecure_ignore_host_key"] { ssh.insecureIgnoreHostKey = try ignore.bool() }
        if let tofu = map["trust_on_first_use"] { ssh.trustOnFirstUse = try tofu.bool() }
        if let agent = map["use_agent"] { ssh.useAgent = try agent.bool() }
        ssh.kexAlgorithms = try SSHAlgorithms.list(map["kex_algorithms"], from: SSHAlgorithms.kex)
        ssh.hostKeyAlgorithms = try SSHAlgorithms.list(map["host_key_algorithms"], from: SSHAlgorithms.hostKeys)
        ssh.ciphers = try SSHAlgorithms.list(map["ciphers"], from: SSHAlgorithms.ciphers)
        ssh.macs = try SSHAlgorithms.list(map["macs"], from: SSHAlgorithms.macs)
        return ssh
    }

    static let serviceKeys: Set<String> = ["name", "port", "module", "path", "https"]

    static func service(from node: ConfigNode, modules: [String: ModuleConfig]) throws(ConfigError) -> ServiceConfig {
        let map = try node.mapping(allowedKeys: serviceKeys)
        var service = ServiceConfig(name: try map.required("name").nonEmptyString(),
                                    port: try map.required("port").int(in: 1...65535))
        if let moduleNode = map["module"] {
            let name = try moduleNode.nonEmptyString()
            guard let module = modules[name] else {
                throw moduleNode.error("unknown module \(moduleNode.quotedValue) (defined modules: \(modules.keys.sorted().joined(separator: ", ")))")
            }
            guard type(of: module.options.section).canCheckService else {
                throw moduleNode.error("module \(moduleNode.quotedValue) uses the \(module.prober) prober, which cannot check a service (a service needs a \(ProberOptions.serviceProbers) module)")
            }
            service.module = name
        }
        if let path = map["path"] {
            let text = try path.string()
            guard text.hasPrefix("/"), case .success = TargetURL.parse("http://h" + text) else {
                throw path.error("must be a URL path starting with /, got \(path.quotedValue)")
            }
            service.path = text
        }
        if let https = map["https"] { service.https = try https.bool() }
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
