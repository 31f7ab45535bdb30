/// Renders a loaded configuration back to YAML for `/config` and `debug=true`. Secrets are printed
/// as `<secret>`: this is the only way configuration leaves the process.
public enum ConfigRenderer {
    public static let redacted = "<secret>"

    /// The whole configuration.
    public static func render(_ config: ExporterConfig) -> String {
        var out = "modules:\n"
        if config.modules.isEmpty { out = "modules: {}\n" }
        for name in config.modules.keys.sorted() {
            out += "  \(quote(name)):\n"
            out += indent(render(module: config.modules[name]!), by: 4)
        }
        out += config.devices.isEmpty ? "devices: []\n" : "devices:\n"
        for device in config.devices {
            out += "  - " + indent(render(device: device), by: 4).dropFirst(4)
        }
        let allowed = config.allowedTargets.networks.map(\.description) + config.allowedTargets.hostPatterns
        out += allowed.isEmpty ? "allowed_targets: []\n" : "allowed_targets:\n"
        for entry in allowed { out += "  - \(quote(entry))\n" }
        out += "icmp:\n  privileged: \(config.icmp.privileged.rawValue)\n"
        if let discovery = config.discovery { out += section("discovery", render(discovery: discovery)) }
        if let smokeping = config.smokeping { out += section("smokeping", smokeping.render()) }
        return out
    }

    /// The `discovery:` section, every key written out (defaults included).
    public static func render(discovery: DiscoveryConfig) -> String {
        var out = "networks: [\(discovery.networks.map { quote($0.description) }.joined(separator: ", "))]\n"
        out += "interval: \(discovery.interval)\ntimeout: \(discovery.timeout)\n"
        out += "packets_per_second: \(discovery.packetsPerSecond)\nmax_addresses: \(discovery.maxAddresses)\n"
        out += "modules: [\(discovery.modules.map(quote).joined(separator: ", "))]\n"
        out += "keep_vanished: \(discovery.keepVanished)\n"
        if !discovery.labels.isEmpty {
            out += "labels:\n"
            for key in discovery.labels.keys.sorted() { out += "  \(key): \(quote(discovery.labels[key]!))\n" }
        }
        return out
    }

    /// One module, as in `debug=true` output.
    public static func render(module: ModuleConfig) -> String {
        var out = "prober: \(module.prober)\ntimeout: \(module.timeout)\n"
        if let interval = module.interval { out += "interval: \(interval)\n" }
        return out + section(module.prober, module.options.section.render())
    }

    /// `text` indented under a key: `key:\n  line\n  line\n`.
    public static func section(_ key: String, _ body: String) -> String {
        guard !body.isEmpty else { return "\(key): {}\n" }
        return "\(key):\n" + indent(body, by: 2)
    }

    /// One device.
    public static func render(device: DeviceConfig) -> String {
        var out = "name: \(quote(device.name))\naddress: \(quote(device.address))\n"
        if !device.labels.isEmpty {
            out += "labels:\n"
            for key in device.labels.keys.sorted() { out += "  \(key): \(quote(device.labels[key]!))\n" }
        }
        if !device.modules.isEmpty { out += "modules: [\(device.modules.map(quote).joined(separator: ", "))]\n" }
        if let ssh = device.ssh {
            out += "ssh:\n  user: \(quote(ssh.user))\n  port: \(ssh.port)\n"
            if ssh.password != nil { out += "  password: \(redacted)\n" }
            if let key = ssh.privateKeyFile { out += "  private_key_file: \(quote(key))\n" }
            if ssh.passphrase != nil { out += "  passphrase: \(redacted)\n" }
            if let hosts = ssh.knownHostsFile { out += "  known_hosts_file: \(quote(hosts))\n" }
            if ssh.insecureIgnoreHostKey { out += "  insecure_ignore_host_key: true\n" }
            if ssh.trustOnFirstUse { out += "  trust_on_first_use: true\n" }
            if ssh.useAgent { out += "  use_agent: true\n" }
            for (key, list) in [("kex_algorithms", ssh.kexAlgorithms), ("host_key_algorithms", ssh.hostKeyAlgorithms),
                                ("ciphers", ssh.ciphers), ("macs", ssh.macs)] {
                if let list { out += "  \(key): [\(list.map(quote).joined(separator: ", "))]\n" }
            }
        }
        if !device.services.isEmpty {
            out += "services:\n"
            for service in device.services {
                out += "  - name: \(quote(service.name))\n    port: \(service.port)\n"
                if let module = service.module { out += "    module: \(quote(module))\n" }
                if let path = service.path { out += "    path: \(quote(path))\n" }
                if service.https { out += "    https: true\n" }
            }
        }
        return out
    }

    /// A YAML double-quoted scalar, escaping what YAML requires: C0, DEL and C1 control characters
    /// (libyaml refuses to read them, and reads NEL U+0085 as a line break), the non-characters
    /// U+FFFE and U+FFFF (refused too) and the line breaks U+2028 and U+2029.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else if [0x2028, 0x2029, 0xFFFE, 0xFFFF].contains(scalar.value) {
                    out += "\\u" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public static func indent(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }
}
