import Testing
import VandineCore
@testable import Probes

/// The `node` section: defaults (node_exporter's), every key, the embedded default's local module,
/// and one exact line per bad value.
@Suite struct NodeOptionsTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    @Test func defaultsAreEveryCollectorLocallyWithNodeExportersExcludes() throws {
        let config = try Self.load("modules:\n  node:\n    prober: node\n")
        guard case let .node(options) = try #require(config.modules["node"]).options else { Issue.record("not node"); return }
        #expect(options == NodeOptions())
        #expect(options.source == .local)
        #expect(options.collectors == NodeOptions.allCollectors && options.collectors.count == 20)
        #expect(options.mountPointsExclude.matches("/proc/sys") && options.mountPointsExclude.matches("/var/lib/docker/overlay2/x"))
        #expect(!options.mountPointsExclude.matches("/") && !options.mountPointsExclude.matches("/devices"))
        #expect(options.fsTypesExclude.matches("cgroup2") && options.fsTypesExclude.matches("tracefs"))
        #expect(!options.fsTypesExclude.matches("ext4") && !options.fsTypesExclude.matches("vfat"))
        #expect(DiskstatsCollector.deviceExclude.matches("nvme0n1p1") && DiskstatsCollector.deviceExclude.matches("zram0"))
        #expect(!DiskstatsCollector.deviceExclude.matches("mmcblk0p1") && !DiskstatsCollector.deviceExclude.matches("sda"))
    }

    @Test func everyKeyIsReadAndRendered() throws {
        let config = try Self.load("""
        modules:
          node_ssh:
            prober: node
            node:
              source: ssh
              collectors: [meminfo, cpu, hwmon]
              mount_points_exclude: "^/boot"
              fs_types_exclude: "^tmpfs$"
              output_limit: 1MB
        devices:
          - name: pi1
            address: 192.0.2.7
            modules: [node_ssh]
            ssh: {user: pi}
        """)
        guard case let .node(options) = try #require(config.modules["node_ssh"]).options else { Issue.record("not node"); return }
        #expect(options.source == .ssh)
        #expect(options.collectors == ["cpu", "meminfo", "hwmon"])
        #expect(options.outputLimit == 1 << 20)
        #expect(options.render() == """
        source: ssh
        collectors: [cpu, meminfo, hwmon]
        mount_points_exclude: "^/boot"
        fs_types_exclude: "^tmpfs$"
        output_limit: 1048576

        """)
    }

    @Test func theEmbeddedDefaultReadsThisMachine() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(), file: DefaultConfig.fileName)
        #expect(config.modules["node"]?.options == .node(NodeOptions(source: .local)))
        let localhost = try #require(config.devices.first { $0.name == "localhost" })
        #expect(localhost.modules == ["icmp", "services", "cloudflared", "node"])
    }

    @Test(arguments: [
        ("node: {source: agent}", "vandine.yml:5:20: modules.m.node.source: must be local or ssh, got agent"),
        ("node: {collectors: [cpu, textfile]}", "vandine.yml:5:30: modules.m.node.collectors[1]: unknown collector textfile (known: cpu, stat, meminfo, loadavg, filesystem, netdev, netclass, diskstats, vmstat, sockstat, netstat, tcpstat, hwmon, thermal_zone, uname, os, time, pressure, entropy, filefd)"),
        ("node: {collectors: [cpu, cpu]}", "vandine.yml:5:30: modules.m.node.collectors[1]: collector cpu is listed twice"),
        ("node: {collectors: []}", "vandine.yml:5:24: modules.m.node.collectors: must list at least one collector (leave collectors out for all)"),
        ("node: {fs_types_exclude: \"^(tmpfs\"}", "vandine.yml:5:30: modules.m.node.fs_types_exclude: invalid regular expression \"^(tmpfs\": Unmatched ( or \\("),
        ("node: {output_limit: lots}", "vandine.yml:5:26: modules.m.node.output_limit: must be a size like 1048576, 512KB or 10MB, got lots"),
        ("node: {port: 22}", "vandine.yml:5:12: modules.m.node.port: unknown key \"port\""),
    ])
    func invalid(_ section: String, _ expected: String) {
        let yaml = "modules:\n  # node\n  m:\n    prober: node\n    \(section)\n"
        do {
            _ = try Self.load(yaml)
            Issue.record("loaded: \(section)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(arguments: [
        ("source: ssh", "address: 192.0.2.7",
         "vandine.yml:8:15: devices[0].modules[0]: module \"m\" can never succeed against device \"pi1\": source ssh logs in to the device, but device \"pi1\" has no ssh: settings"),
        ("source: local", "address: 192.0.2.7\n    ssh: {user: pi}",
         "vandine.yml:9:15: devices[0].modules[0]: module \"m\" can never succeed against device \"pi1\": source local reads this machine's own files, but device \"pi1\" is at 192.0.2.7, not this machine: use source ssh"),
    ])
    func deviceProblems(_ source: String, _ device: String, _ expected: String) {
        let yaml = "modules:\n  m:\n    prober: node\n    node: {\(source)}\ndevices:\n  - name: pi1\n    \(device)\n    modules: [m]\n"
        do {
            _ = try Self.load(yaml)
            Issue.record("loaded")
        } catch {
            #expect(error.description == expected, "\(error.description)")
        }
    }

    @Test func thisMachineIsLoopbackLocalhostOrItsName() {
        for host in ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "LOCALHOST", "myhost"] {
            #expect(NodeOptions.isThisMachine(host, hostName: "myhost"), "\(host)")
        }
        for host in ["192.0.2.7", "pi1", "127.0.0.1.example", "128.0.0.1"] {
            #expect(!NodeOptions.isThisMachine(host, hostName: "myhost"), "\(host)")
        }
    }
}
