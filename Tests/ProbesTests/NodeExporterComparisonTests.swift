import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Same machine, same moment: our `local` node module and our ssh batch (through `/bin/sh -c`)
/// against Debian's `prometheus-node-exporter`, started on a free loopback port with only the
/// same collectors. Every series both produce has the same label names; static values (MemTotal,
/// filesystem sizes, boot time, uname) are equal; counters agree within tolerance.
@Suite(.serialized) struct NodeExporterComparisonTests {
    static let binary = "/usr/bin/prometheus-node-exporter"

    /// node_exporter with exactly our collectors, its exposition once it answers (bounded wait).
    static func scrapeNodeExporter() async throws -> [MetricFamily] {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults"]
            + NodeOptions.allCollectors.map { "--collector.\($0)" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let response = try await Curl.fetch("http://127.0.0.1:\(port)/metrics")
            if response.status == 200 { return try ExpositionParser.parse(response.body) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NodeCollectorError("node_exporter did not answer on 127.0.0.1:\(port)")
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
        let ours = result.metrics.families
        // Other tests on this machine create and delete interfaces: compare those both reads saw.
        let theirInterfaces = Set(theirs.first { $0.name == "node_network_info" }?.samples.compactMap { $0.labels["device"] } ?? [])
        let common = NodeTestSupport.interfaces(result.metrics).intersection(theirInterfaces)
        // Test networks (TestNetwork's `vdh…` veths) come and go, and change state, while other
        // suites run: only interfaces both saw, and none of those, are compared.
        let seenByBoth = { (sample: Sample) in
            guard sample.name.hasPrefix("node_network_"), let device = sample.labels["device"] else { return true }
            return common.contains(device) && !device.hasPrefix("vdh")
        }
        let ourLabels = Self.labelNames(ours), theirLabels = Self.labelNames(theirs)
        let shared = Set(ourLabels.keys).intersection(theirLabels.keys)
        #expect(shared.count > 150, "only \(shared.count) series names in common")
        for name in shared.sorted() {
            #expect(ourLabels[name] == theirLabels[name], "\(name): ours \(ourLabels[name]!) theirs \(theirLabels[name]!)")
        }
        // Names the dashboard reads that node_exporter 1.5 has and we lack would be a gap.
        let missing = Set(theirLabels.keys).subtracting(ourLabels.keys).filter { $0.hasPrefix("node_") && !$0.hasPrefix("node_exporter_") }
        #expect(missing == ["node_network_receive_nohandler_total"], "\(missing.sorted())")

        // Static values are equal.
        for name in ["node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_boot_time_seconds", "node_filefd_maximum",
                     "node_entropy_pool_size_bits"] {
            #expect(Self.value(ours, name) == Self.value(theirs, name), "\(name)")
        }
        let uname = { (families: [MetricFamily]) in families.first { $0.name == "node_uname_info" }?.samples.first?.labels }
        #expect(uname(ours) != nil && uname(ours) == uname(theirs))
        let os = { (families: [MetricFamily]) in families.first { $0.name == "node_os_info" }?.samples.first?.labels }
        #expect(os(ours) != nil && os(ours) == os(theirs))
        let sizes = theirs.first { $0.name == "node_filesystem_size_bytes" }?.samples ?? []
        #expect(!sizes.isEmpty)
        for sample in sizes {
            #expect(Self.value(ours, sample.name, sample.labels) == sample.value, "\(sample.labels)")
            #expect(Self.value(ours, "node_filesystem_files", sample.labels) == Self.value(theirs, "node_filesystem_files", sample.labels))
        }
        for family in theirs where family.name.hasPrefix("node_network_mtu") || family.name == "node_network_info" {
            for sample in family.samples where seenByBoth(sample) { #expect(Self.value(ours, sample.name, sample.labels) == sample.value, "\(sample.name) \(sample.labels)") }
        }

        // Counters, read a moment apart: within 2 % plus a small absolute slack.
        func close(_ name: String, _ labels: [String: String] = [:], slack: Double) {
            guard let a = Self.value(ours, name, labels), let b = Self.value(theirs, name, labels) else {
                Issue.record("\(name) \(labels) missing")
                return
            }
            #expect(abs(a - b) <= slack + 0.02 * max(a, b), "\(name) \(labels): ours \(a) theirs \(b)")
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
}
