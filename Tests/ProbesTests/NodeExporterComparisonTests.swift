import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Same machine, same moment: our `local` node module, our ssh batch (through `/bin/sh -c`, and
/// over real SSH to a loopback ``SSHTestServer`` as root through the session pool) and Debian's
/// `prometheus-node-exporter`, started on a free loopback port with only the same collectors.
/// Every series both produce has the same label names; static values (MemTotal, filesystem
/// sizes, boot time, uname) are equal; counters agree within tolerance.
@Suite(.serialized) struct NodeExporterComparisonTests {
    static let binary = "/usr/bin/prometheus-node-exporter"

    /// node_exporter with exactly our collectors on a free loopback port, killed and reaped by ``stop()``.
    final class NodeExporter: @unchecked Sendable {
        let process = Process()
        let port: Int

        init() throws {
            port = try freeLoopbackPort()
            process.executableURL = URL(fileURLWithPath: NodeExporterComparisonTests.binary)
            process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults"]
                + NodeOptions.allCollectors.map { "--collector.\($0)" }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Its exposition, once it answers (bounded wait).
        func scrape() async throws -> [MetricFamily] {
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                let response = try await Curl.fetch("http://127.0.0.1:\(port)/metrics")
                if response.status == 200 { return try ExpositionParser.parse(response.body) }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw NodeCollectorError("node_exporter did not answer on 127.0.0.1:\(port)")
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// node_exporter's exposition, from a process started for this one scrape.
    static func scrapeNodeExporter() async throws -> [MetricFamily] {
        let exporter = try NodeExporter()
        defer { exporter.stop() }
        return try await exporter.scrape()
    }

    /// Family name → the label names of its samples.
    static func labelNames(_ families: [MetricFamily]) -> [String: Set<Set<String>>] {
        var out: [String: Set<Set<String>>] = [:]
        for family in families {
            for sample in family.samples { out[sample.name, default: []].insert(Set(sample.labels.keys)) }
        }
        return out
    }

    static func value(_ families: [MetricFamily], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    func compare(source: NodeOptions.Source) async throws {
        let theirs = try await Self.scrapeNodeExporter()
        let result = await NodeTestSupport.probe(NodeOptions(source: source), ssh: ShellSSHExecutor(shell: ["/bin/sh", "-c"]))
        #expect(result.success, "\(result.log.entries)")
        Self.compare(result.metrics.families, theirs, what: "\(source) vs node_exporter")
    }

    /// `ours` against `theirs` (node_exporter's, or another of our readings), `what` naming the
    /// pair in failures: label names of every series both have, static values, counters within
    /// tolerance. `expectedMissing`: the node_ series names `theirs` has and `ours` lacks.
    static func compare(_ ours: [MetricFamily], _ theirs: [MetricFamily], what: String = "ours vs node_exporter",
                        expectedMissing: Set<String> = ["node_network_receive_nohandler_total"]) {
        // Other tests on this machine create and delete interfaces: compare those both reads saw.
        let interfaces = { (families: [MetricFamily]) in
            Set(families.first { $0.name == "node_network_info" }?.samples.compactMap { $0.labels["device"] } ?? [])
        }
        let common = interfaces(ours).intersection(interfaces(theirs))
        // Test networks (TestNetwork's `vdh…` veths) come and go, and change state, while other
        // suites run: only interfaces both saw, and none of those, are compared.
        let seenByBoth = { (sample: Sample) in
            guard sample.name.hasPrefix("node_network_"), let device = sample.labels["device"] else { return true }
            return common.contains(device) && !device.hasPrefix("vdh")
        }
        let ourLabels = Self.labelNames(ours), theirLabels = Self.labelNames(theirs)
        let shared = Set(ourLabels.keys).intersection(theirLabels.keys)
        #expect(shared.count > 150, "\(what): only \(shared.count) series names in common")
        for name in shared.sorted() {
            #expect(ourLabels[name] == theirLabels[name], "\(what): \(name): ours \(ourLabels[name]!) theirs \(theirLabels[name]!)")
        }
        // Names the dashboard reads that node_exporter 1.5 has and we lack would be a gap.
        let missing = Set(theirLabels.keys).subtracting(ourLabels.keys).filter { $0.hasPrefix("node_") && !$0.hasPrefix("node_exporter_") }
        #expect(missing == expectedMissing, "\(what): \(missing.sorted())")

        // Static values are equal.
        for name in ["node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_boot_time_seconds", "node_filefd_maximum",
                     "node_entropy_pool_size_bits"] {
            #expect(Self.value(ours, name) != nil && Self.value(ours, name) == Self.value(theirs, name), "\(what): \(name)")
        }
        let uname = { (families: [MetricFamily]) in families.first { $0.name == "node_uname_info" }?.samples.first?.labels }
        #expect(uname(ours) != nil && uname(ours) == uname(theirs), "\(what): node_uname_info")
        let os = { (families: [MetricFamily]) in families.first { $0.name == "node_os_info" }?.samples.first?.labels }
        #expect(os(ours) != nil && os(ours) == os(theirs), "\(what): node_os_info")
        let sizes = theirs.first { $0.name == "node_filesystem_size_bytes" }?.samples ?? []
        #expect(!sizes.isEmpty, "\(what): no filesystem sizes")
        for sample in sizes {
            #expect(Self.value(ours, sample.name, sample.labels) == sample.value, "\(what): \(sample.labels)")
            #expect(Self.value(ours, "node_filesystem_files", sample.labels) == Self.value(theirs, "node_filesystem_files", sample.labels),
                    "\(what): files \(sample.labels)")
        }
        for family in theirs where family.name.hasPrefix("node_network_mtu") || family.name == "node_network_info" {
            for sample in family.samples where seenByBoth(sample) {
                #expect(Self.value(ours, sample.name, sample.labels) == sample.value, "\(what): \(sample.name) \(sample.labels)")
            }
        }

        // Counters, read a moment apart: within 2 % plus a small absolute slack.
        func close(_ name: String, _ labels: [String: String] = [:], slack: Double) {
            guard let a = Self.value(ours, name, labels), let b = Self.value(theirs, name, labels) else {
                Issue.record("\(what): \(name) \(labels) missing")
                return
            }
            #expect(abs(a - b) <= slack + 0.02 * max(a, b), "\(what): \(name) \(labels): ours \(a) theirs \(b)")
        }
        for sample in theirs.first(where: { $0.name == "node_cpu_seconds_total" })?.samples ?? [] {
            close(sample.name, sample.labels, slack: 5)
        }
        close("node_context_switches_total", slack: 20_000)
        close("node_forks_total", slack: 200)
        close("node_intr_total", slack: 50_000)
        close("node_vmstat_pgfault", slack: 500_000)
        // node_exporter 1.5 still reports zram devices; its later default exclude (ours) drops them.
        for sample in theirs.first(where: { $0.name == "node_disk_reads_completed_total" })?.samples ?? []
        where !DiskstatsCollector.deviceExclude.matches(sample.labels["device"] ?? "") {
            close(sample.name, sample.labels, slack: 100)
        }
        for sample in theirs.first(where: { $0.name == "node_network_receive_packets_total" })?.samples ?? [] where seenByBoth(sample) {
            close(sample.name, sample.labels, slack: 2000)
        }
        close("node_netstat_Tcp_ActiveOpens", slack: 100)
    }

    @Test func localModuleAgreesWithNodeExporter() async throws {
        try await compare(source: .local)
    }

    @Test func sshBatchAgreesWithNodeExporter() async throws {
        try await compare(source: .ssh)
    }

    /// A target on this machine whose `ssh:` logs in to the loopback `server` as `user` with the
    /// ed25519 client key, the host key checked against the server's known_hosts line.
    static func sshTarget(_ server: SSHTestServer, device: String, user: String) throws -> ProbeTarget {
        let settings = SSHSettings(user: user, port: server.port, privateKeyFile: server.clientKeyEd25519,
                                   knownHostsFile: try server.knownHostsFile(lines: [server.knownHostsLine(.ed25519)]))
        return ProbeTarget(host: "127.0.0.1", device: DeviceConfig(name: device, address: "127.0.0.1", ssh: settings))
    }

    /// Our `local`, our `ssh` to localhost (root, key auth, warm pooled session) and node_exporter,
    /// the three readings started together: each of ours agrees with node_exporter, and the two of
    /// ours produce the same series with the same label names and the same static values.
    @Test func localSSHToLocalhostAndNodeExporterAgreeAtTheSameMoment() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let nodeExporter = try NodeExporter()
        defer { nodeExporter.stop() }
        let target = try Self.sshTarget(server, device: "self-ssh", user: "root")
        // The login and node_exporter's start-up out of the way first, so the readings are close.
        let warm = await NodeTestSupport.probe(NodeOptions(source: .ssh, collectors: ["uname"]), target: target, ssh: pool)
        #expect(warm.success, "\(warm.log.entries)")
        _ = try await nodeExporter.scrape()

        async let theirReading = nodeExporter.scrape()
        async let localReading = NodeTestSupport.probe(NodeOptions(source: .local))
        async let sshReading = NodeTestSupport.probe(NodeOptions(source: .ssh), target: target, ssh: pool)
        let (theirs, local, ssh) = try await (theirReading, localReading, sshReading)
        #expect(local.success, "\(local.log.entries)")
        #expect(ssh.success, "\(ssh.log.entries)")
        #expect(server.acceptedLogins == 1, "the ssh reading used the warm session")

        Self.compare(local.metrics.families, theirs, what: "local vs node_exporter")
        Self.compare(ssh.metrics.families, theirs, what: "ssh vs node_exporter")
        Self.compare(ssh.metrics.families, local.metrics.families, what: "ssh vs local", expectedMissing: [])
        let localLabels = Self.labelNames(local.metrics.families), sshLabels = Self.labelNames(ssh.metrics.families)
        #expect(Set(sshLabels.keys) == Set(localLabels.keys),
                "only local: \(Set(localLabels.keys).subtracting(sshLabels.keys).sorted()), only ssh: \(Set(sshLabels.keys).subtracting(localLabels.keys).sorted())")
    }

    /// The batch as `vandine-ash`, whose login shell is BusyBox ash, against the same batch as root
    /// (bash): the same series names with the same label names.
    @Test func busyboxLoginShellGivesTheSameSeriesAsBash() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let bashTarget = try Self.sshTarget(server, device: "self-bash", user: "root")
        let ashTarget = try Self.sshTarget(server, device: "self-ash", user: SSHTestServer.busyboxUser)
        // The login shell really is BusyBox: sshd runs the command through it (`; true` keeps the
        // shell from exec'ing its last command, which would put readlink at $$).
        let shell = try await pool.exec("readlink /proc/$$/exe; true", on: SSHEndpoint(device: "self-ash", host: "127.0.0.1", settings: ashTarget.device!.ssh!),
                                        deadline: .now + .seconds(10), outputLimit: 4096)
        #expect(String(decoding: shell.stdout, as: UTF8.self).hasSuffix("/busybox\n"), "\(shell)")

        async let bashReading = NodeTestSupport.probe(NodeOptions(source: .ssh), target: bashTarget, ssh: pool)
        async let ashReading = NodeTestSupport.probe(NodeOptions(source: .ssh), target: ashTarget, ssh: pool)
        let (bash, ash) = await (bashReading, ashReading)
        #expect(bash.success, "\(bash.log.entries)")
        #expect(ash.success, "\(ash.log.entries)")
        let bashLabels = Self.labelNames(bash.metrics.families), ashLabels = Self.labelNames(ash.metrics.families)
        #expect(bashLabels.count > 150)
        #expect(Set(ashLabels.keys) == Set(bashLabels.keys),
                "only bash: \(Set(bashLabels.keys).subtracting(ashLabels.keys).sorted()), only ash: \(Set(ashLabels.keys).subtracting(bashLabels.keys).sorted())")
        for name in Set(bashLabels.keys).intersection(ashLabels.keys).sorted() {
            #expect(bashLabels[name] == ashLabels[name], "\(name): bash \(bashLabels[name]!) ash \(ashLabels[name]!)")
        }
        #expect(server.acceptedLogins == 2, "one login per device: \(server.log)")
    }
}
