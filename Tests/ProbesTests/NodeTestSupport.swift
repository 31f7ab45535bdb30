import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Fixtures, a shell-backed ``SSHExecutor`` and a one-call probe for the node tests.
enum NodeTestSupport {
    /// `Fixtures/node/<name>`: a tree rooted like `/` (captured by `Fixtures/node/capture.sh`, or hand-written).
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/node/\(name)").path
    }

    /// Every collector's files from a fixture tree, read by the local transport with the tree as
    /// its root; the program values fixed (the fixture's `uname-m`, 4 KiB pages, a clock).
    static func files(_ name: String, filesystems: [String: NodeFiles.FilesystemStat?] = [:]) -> NodeFiles {
        let root = fixture(name)
        var files = LocalNodeReader(root: root).read(NodeCollectors.needs(of: NodeCollectors.all))
        files.values[.machine] = (try? String(contentsOfFile: root + "/uname-m", encoding: .utf8))?.trimmed
        files.values[.pageSize] = "4096"
        files.values[.clock] = "1732112345.5 CET +0100"
        files.filesystems = filesystems
        return files
    }

    /// Every collector run on `files`, without the per-collector scrape series (their durations vary).
    static func collect(_ files: NodeFiles, state: NodeCollectorState = NodeCollectorState(), target: String = "pi1",
                        options: NodeOptions = NodeOptions()) -> (MetricSet, [String: String]) {
        var metrics = MetricSet()
        var failures: [String: String] = [:]
        let input = NodeCollectorInput(files: files, options: options, target: target, state: state)
        for collector in NodeCollectors.named(options.collectors) {
            do { try collector.collect(input, into: &metrics) } catch { failures[collector.name] = error.description }
        }
        return (metrics, failures)
    }

    /// `promtool check metrics` problems not accepted by ``PromtoolAllowlist`` (empty when clean).
    static func promtoolProblems(_ exposition: String) async throws -> [String] {
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: exposition)
        #expect(lint.status == 0 || lint.status == 3, "promtool could not parse the output: \(lint.stderr)")
        return PromtoolAllowlist.unexpectedProblems(in: lint.stdout + lint.stderr)
    }

    /// A device whose ssh settings point nowhere (the shell executor ignores them).
    static let device = DeviceConfig(name: "self", address: "127.0.0.1", ssh: SSHSettings(user: "nobody"))

    /// One node probe of `target` with `options`.
    static func probe(_ options: NodeOptions, target: ProbeTarget = ProbeTarget(host: "127.0.0.1", device: device),
                      ssh: any SSHExecutor = UnwiredSSHExecutor(), state: NodeCollectorState = NodeCollectorState(),
                      timeout: Duration = .seconds(10)) async -> (success: Bool, metrics: MetricSet, log: ProbeLog) {
        let log = ProbeLog()
        let context = ProbeContext(target: target, module: ModuleConfig(name: "node", options: .node(options)), log: log,
                                   deadline: .now + timeout)
        let success = await NodeProber(ssh: ssh, state: state, hostName: "vandine-test-host").probe(context)
        return (success, context.metrics.snapshot, log)
    }

    /// The network interfaces a scrape saw (`node_network_info`'s devices).
    static func interfaces(_ set: MetricSet) -> Set<String> {
        Set(set.family(named: "node_network_info")?.samples.compactMap { $0.labels["device"] } ?? [])
    }

    /// Series identity: name and labels, for comparing two expositions.
    static func series(_ set: MetricSet) -> [String: Double] {
        var out: [String: Double] = [:]
        for family in set.families {
            for sample in family.samples {
                let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
                out["\(sample.name){\(labels)}"] = sample.value
            }
        }
        return out
    }
}

/// Runs each command through a local shell (`/bin/sh -c`, `busybox sh -c`) as the SSH session pool
/// would run it on a device: the same batch, the same output cap, the same deadline.
struct ShellSSHExecutor: SSHExecutor {
    /// The shell and its arguments before the command, e.g. `["/bin/busybox", "sh", "-c"]`.
    let shell: [String]
    let runner = ChildProcessRunner()

    func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
              outputLimit: Int) async throws(SSHError) -> SSHExecResult {
        let outcome = await runner.run(shell[0], Array(shell.dropFirst()) + [command], deadline: deadline)
        switch outcome.termination {
        case let .exited(status):
            return SSHExecResult(stdout: Array(outcome.stdout.prefix(outputLimit)), stderr: Array(outcome.stderr.prefix(outputLimit)),
                                 exitStatus: status, truncated: outcome.stdout.count > outputLimit)
        case .killedAtDeadline, .cancelled:
            throw SSHError(.timeout, "\(endpoint.device): the command did not finish by the deadline")
        default:
            throw SSHError(.channel, "\(endpoint.device): \(outcome.termination)")
        }
    }

    func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                   deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel {
        throw SSHError(.channel, "no shell")
    }
}
