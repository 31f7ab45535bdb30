import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The ssh transport's batch, run through real shells on this machine (`/bin/sh -c` is dash,
/// `busybox sh -c` is BusyBox ash as on OpenWrt and UniFi): the same series come back as from the
/// local transport, and the values that cannot move between two reads are equal.
@Suite struct NodeBatchTests {
    static let busybox = ["/bin/busybox", "sh", "-c"]
    static let dash = ["/bin/sh", "-c"]

    /// Series whose value may change between two reads a moment apart (counters, gauges of a live
    /// machine); everything else must be equal.
    static func isStatic(_ key: String) -> Bool {
        let name = String(key.prefix { $0 != "{" })
        let moving = ["node_cpu", "node_intr", "node_context", "node_forks", "node_procs", "node_memory_", "node_load", "node_network_receive",
                      "node_network_transmit", "node_disk_", "node_vmstat", "node_sockstat", "node_netstat", "node_tcp_", "node_time_seconds",
                      "node_pressure", "node_entropy_available", "node_filefd_allocated", "node_filesystem_free", "node_filesystem_avail",
                      "node_filesystem_files_free", "node_scrape_collector_duration", "node_hwmon", "node_thermal", "node_network_carrier"]
        return !moving.contains { name.hasPrefix($0) }
    }

    func compare(shell: [String]) async throws {
        let options = NodeOptions(source: .ssh)
        let remote = await NodeTestSupport.probe(options, ssh: ShellSSHExecutor(shell: shell))
        #expect(remote.success, "\(remote.log.entries)")
        let local = await NodeTestSupport.probe(NodeOptions(source: .local))
        #expect(local.success, "\(local.log.entries)")
        var ours = NodeTestSupport.series(remote.metrics), theirs = NodeTestSupport.series(local.metrics)
        // Other tests on this machine create and delete interfaces (veth pairs in namespaces) and
        // the connections tcpstat counts come and go: leave out interfaces only one read saw.
        let volatile = NodeTestSupport.interfaces(remote.metrics).symmetricDifference(NodeTestSupport.interfaces(local.metrics))
        // TestNetwork's veths (`vdh…`) also change state and speed between the two reads.
        let stable = { (key: String) in
            !key.hasPrefix("node_tcp_connection_states") && !key.contains("device=\"vdh")
                && !volatile.contains { key.contains("device=\"\($0)\"") }
        }
        ours = ours.filter { stable($0.key) }
        theirs = theirs.filter { stable($0.key) }
        let onlySSH = Set(ours.keys).subtracting(theirs.keys).sorted(), onlyLocal = Set(theirs.keys).subtracting(ours.keys).sorted()
        #expect(onlySSH.isEmpty && onlyLocal.isEmpty, "only ssh: \(onlySSH) only local: \(onlyLocal)")
        for (key, value) in theirs where Self.isStatic(key) {
            #expect(ours[key] == value, "\(key): ssh \(ours[key].map(String.init) ?? "none"), local \(value)")
        }
        // Counters read a moment apart: the ssh read came first.
        for key in theirs.keys where key.hasPrefix("node_cpu_seconds_total") || key.hasPrefix("node_context_switches") {
            #expect(ours[key]! <= theirs[key]! + 0.02, "\(key)")
        }
        #expect(ours["node_scrape_collector_success{collector=\"cpu\"}"] == 1)
        #expect(ours["node_scrape_collector_success{collector=\"filesystem\"}"] == 1)
        #expect(try await NodeTestSupport.promtoolProblems(ExpositionEncoder.encode(remote.metrics)) == [])
    }

    @Test func dashRunsTheBatchAndMatchesTheLocalTransport() async throws {
        try await compare(shell: Self.dash)
    }

    @Test func busyboxAshRunsTheBatchAndMatchesTheLocalTransport() async throws {
        try await compare(shell: Self.busybox)
    }

    /// The script stays plain POSIX sh: no bash-isms that dash or ash would reject.
    @Test func theScriptHasNoBashisms() {
        let script = NodeBatch.script(for: NodeCollectors.needs(of: NodeCollectors.all))
        for bashism in ["[[", "$'", "<(", "${!", "function ", "echo -e", "==", "readlink -f", "local "] {
            #expect(!script.contains(bashism), "\(bashism)")
        }
    }

    /// BusyBox's `date` has no %N: whole seconds are kept, not a parse failure.
    @Test func busyboxDateWithoutNanosecondsParses() {
        let files = NodeBatch.parse(Array("\u{1E}V date 1732112345.%N UTC +0000\n\u{1E}V date-x 1\n".utf8))
        #expect(files.values[.clock] == "1732112345 UTC +0000")
        let gnu = NodeBatch.parse(Array("\u{1E}V date 1732112345.123456789 UTC +0000\n".utf8))
        #expect(gnu.values[.clock] == "1732112345.123456789 UTC +0000")
    }

    /// A batch cut at the output limit: what came whole is parsed, the cut line is dropped, the
    /// probe says so and still succeeds.
    @Test func outputBeyondTheLimitIsCutAndReported() async {
        let result = await NodeTestSupport.probe(NodeOptions(source: .ssh, outputLimit: 3000), ssh: ShellSSHExecutor(shell: Self.dash))
        #expect(result.success)
        #expect(result.log.entries.contains { $0.contains("passed output_limit (3000 bytes)") }, "\(result.log.entries)")
        let parsed = NodeBatch.parse(Array("/proc/loadavg:0.1 0.2 0.3 1/2 3\n/proc/stat:cpu0 1 2".utf8), truncated: true)
        #expect(parsed.files == ["/proc/loadavg": "0.1 0.2 0.3 1/2 3\n"])
    }

    @Test func aFailedLoginFailsTheProbeWithTheReason() async {
        let result = await NodeTestSupport.probe(NodeOptions(source: .ssh))
        #expect(!result.success)
        #expect(result.log.entries.contains { $0.contains("ssh to self failed: self: no SSH session pool is wired") },
                "\(result.log.entries)")
    }

    @Test func localSourceRefusesAnotherMachine() async {
        let result = await NodeTestSupport.probe(NodeOptions(source: .local), target: ProbeTarget(host: "192.0.2.7"))
        #expect(!result.success)
        #expect(result.log.entries.contains { $0.contains("target 192.0.2.7 is not this machine") }, "\(result.log.entries)")
        let ssh = await NodeTestSupport.probe(NodeOptions(source: .ssh), target: ProbeTarget(host: "192.0.2.7"))
        #expect(ssh.log.entries.contains { $0.contains("source ssh logs in to a configured device with ssh: settings") })
    }
}

/// `Fixtures/node/batch.sh` is the batch for every collector with the default excludes, as the
/// prober sends it (benchmarks/node.sh runs it over a fresh `ssh` login each time); the test keeps
/// the file in step with the code (VANDINE_UPDATE_GOLDEN=1 rewrites it).
@Suite struct NodeBatchGoldenTests {
    @Test func theCheckedInBatchIsTheOneTheProberSends() throws {
        let path = NodeTestSupport.fixture("batch.sh")
        let script = NodeBatch.script(for: NodeCollectors.needs(of: NodeCollectors.all))
        if ProcessInfo.processInfo.environment["VANDINE_UPDATE_GOLDEN"] == "1" {
            try script.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == script)
    }
}
