/// Options of the `node` prober: node_exporter's system statistics, with its metric names and
/// labels, read from the machine itself (`local`) or from a device over SSH with no agent (`ssh`).
///
/// ```yaml
/// node:
///   source: ssh                     # local (default): this machine's files; ssh: one exec per scrape
///   collectors: [cpu, meminfo]      # default: every collector (NodeOptions.allCollectors)
///   mount_points_exclude: "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
///   fs_types_exclude: "^(autofs|binfmt_misc|bpf|cgroup2?|…|tracefs)$"
///   output_limit: 4MB               # most bytes an ssh batch may print (or local files may hold)
/// ```
///
/// `source: local` reads the files of the machine the exporter runs on, so its target must be this
/// machine (a loopback address, `localhost`, or this machine's host name); `source: ssh` logs in
/// to a configured device with `ssh:` settings. The two exclude patterns are node_exporter 1.x's
/// `--collector.filesystem.mount-points-exclude` / `fs-types-exclude` defaults (RE2 syntax,
/// matched anywhere, as node_exporter's `regexp.MatchString`).
public struct NodeOptions: ProberOptionsSection {
    public static let proberName = "node"
    public static let targetForm = TargetForm.host(noPort: "the node prober reads a machine's files, it takes no port")
    /// System statistics are no check of a device's service.
    public static let canCheckService = false

    /// Where the files come from.
    public enum Source: String, Sendable, Equatable {
        case local, ssh
    }

    /// node_exporter's collector names, in the order they run.
    public static let allCollectors = [
        "cpu", "stat", "meminfo", "loadavg", "filesystem", "netdev", "netclass", "diskstats", "vmstat", "sockstat",
        "netstat", "tcpstat", "hwmon", "thermal_zone", "uname", "os", "time", "pressure", "entropy", "filefd",
    ]

    /// node_exporter 1.x `--collector.filesystem.mount-points-exclude` default (collector/filesystem_linux.go).
    public static let defaultMountPointsExclude =
        "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
    /// node_exporter 1.x `--collector.filesystem.fs-types-exclude` default (collector/filesystem_linux.go).
    public static let defaultFSTypesExclude =
        "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$"
    /// 4 MiB: a busy server's `/proc/net/tcp` with ten thousand sockets is ~1.5 MB; a Pi's whole batch ~60 KB.
    public static let defaultOutputLimit = 4 << 20

    public var source: Source
    /// The enabled collectors, in ``allCollectors`` order.
    public var collectors: [String]
    public var mountPointsExclude: RegularExpression
    public var fsTypesExclude: RegularExpression
    /// The most bytes of output one scrape may gather; beyond it the scrape's collectors see a
    /// truncated batch (the ssh transport) and the probe says so.
    public var outputLimit: Int

    public init(source: Source = .local, collectors: [String] = allCollectors,
                mountPointsExclude: RegularExpression = RegularExpression(defaultMountPointsExclude)!,
                fsTypesExclude: RegularExpression = RegularExpression(defaultFSTypesExclude)!,
                outputLimit: Int = defaultOutputLimit) {
        self.source = source
        self.collectors = collectors
        self.mountPointsExclude = mountPointsExclude
        self.fsTypesExclude = fsTypesExclude
        self.outputLimit = outputLimit
    }

    public var wrapped: ProberOptions { .node(self) }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> NodeOptions {
        var options = NodeOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: ["source", "collectors", "mount_points_exclude", "fs_types_exclude", "output_limit"])
        if let value = map["source"] {
            guard let source = Source(rawValue: try value.string()) else {
                throw value.error("must be local or ssh, got \(value.quotedValue)")
            }
            options.source = source
        }
        if let value = map["collectors"] {
            var chosen: Set<String> = []
            for item in try value.list() {
                let name = try item.nonEmptyString()
                guard allCollectors.contains(name) else {
                    throw item.error("unknown collector \(item.quotedValue) (known: \(allCollectors.joined(separator: ", ")))")
                }
                guard chosen.insert(name).inserted else { throw item.error("collector \(item.quotedValue) is listed twice") }
            }
            guard !chosen.isEmpty else { throw value.error("must list at least one collector (leave collectors out for all)") }
            options.collectors = allCollectors.filter(chosen.contains)
        }
        if let value = map["mount_points_exclude"] { options.mountPointsExclude = try pattern(value) }
        if let value = map["fs_types_exclude"] { options.fsTypesExclude = try pattern(value) }
        if let value = map["output_limit"] { options.outputLimit = try HTTPOptions.byteSize(value) }
        return options
    }

    static func pattern(_ node: ConfigNode) throws(ConfigError) -> RegularExpression {
        let text = try node.string()
        switch RegularExpression.compile(text) {
        case let .success(regex): return regex
        case let .failure(error): throw node.error("invalid regular expression \"\(text)\": \(error.reason)")
        }
    }

    /// Names that always mean the machine the exporter runs on.
    static let localNames: Set<String> = ["localhost", "localhost.localdomain", "ip6-localhost", "::1"]

    /// Whether `host` names this machine: loopback (127.0.0.0/8, ::1), `localhost`, or `hostName`
    /// (this machine's own name, `gethostname`).
    public static func isThisMachine(_ host: String, hostName: String?) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if localNames.contains(bare.lowercased()) || bare.hasPrefix("127.") && IPAddress(bare) != nil { return true }
        if let hostName, !hostName.isEmpty, bare.lowercased() == hostName.lowercased() { return true }
        return false
    }

    public func problem(probing device: DeviceConfig) -> String? {
        switch source {
        case .ssh:
            guard device.ssh == nil else { return nil }
            return "source ssh logs in to the device, but device \"\(device.name)\" has no ssh: settings"
        case .local:
            guard !Self.isThisMachine(device.address, hostName: nil), !Self.isThisMachine(device.name, hostName: nil) else { return nil }
            return "source local reads this machine's own files, but device \"\(device.name)\" is at \(device.address), not this machine: use source ssh"
        }
    }

    public func render() -> String {
        var out = "source: \(source.rawValue)\n"
        out += "collectors: [\(collectors.joined(separator: ", "))]\n"
        out += "mount_points_exclude: \(ConfigRenderer.quote(mountPointsExclude.pattern))\n"
        out += "fs_types_exclude: \(ConfigRenderer.quote(fsTypesExclude.pattern))\n"
        out += "output_limit: \(outputLimit)\n"
        return out
    }
}
