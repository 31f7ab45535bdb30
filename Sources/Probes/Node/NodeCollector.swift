import Synchronization
import VandineCore

/// What a collector needs gathered: files (shell globs allowed: `*`, `?`, `[…]`), symlinks to
/// resolve, program values, and whether every mount point should be `statfs`-ed.
public struct NodeNeeds: Sendable, Equatable {
    public var files: [String] = []
    public var links: [String] = []
    public var values: [NodeFiles.Value] = []
    public var filesystems = false

    public init(files: [String] = [], links: [String] = [], values: [NodeFiles.Value] = [], filesystems: Bool = false) {
        self.files = files
        self.links = links
        self.values = values
        self.filesystems = filesystems
    }

    /// Everything `self` and `other` need, without repeats (order kept).
    func merged(with other: NodeNeeds) -> NodeNeeds {
        func union<T: Equatable>(_ a: [T], _ b: [T]) -> [T] { a + b.filter { !a.contains($0) } }
        return NodeNeeds(files: union(files, other.files), links: union(links, other.links), values: union(values, other.values),
                         filesystems: filesystems || other.filesystems)
    }
}

/// Why a collector produced nothing (node_exporter reports it as `node_scrape_collector_success 0`).
public struct NodeCollectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// The file a collector cannot work without was not gathered.
    static func missing(_ path: String) -> NodeCollectorError { NodeCollectorError("\(path) could not be read") }
}

/// What one collector sees during a scrape.
public struct NodeCollectorInput: Sendable {
    public var files: NodeFiles
    public var options: NodeOptions
    /// The key of the per-target state (the device name, or the target host).
    public var target: String
    public var state: NodeCollectorState

    public init(files: NodeFiles, options: NodeOptions = NodeOptions(), target: String = "localhost",
                state: NodeCollectorState = NodeCollectorState()) {
        self.files = files
        self.options = options
        self.target = target
        self.state = state
    }

    /// The file or a `missing` error.
    func require(_ path: String) throws(NodeCollectorError) -> String {
        guard let text = files.file(path) else { throw .missing(path) }
        return text
    }
}

/// One node_exporter collector (a file each, named as node_exporter names it): says what it needs
/// gathered and turns the gathered files into node_exporter's series. The prober adds
/// `node_scrape_collector_success` and `..._duration_seconds` for each; one throwing never fails
/// the scrape.
public protocol NodeCollector: Sendable {
    /// node_exporter's collector name (the `collector` label).
    var name: String { get }
    var needs: NodeNeeds { get }
    /// Adds this collector's series to `metrics`; throws when it has nothing to report.
    func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError)
}

/// State kept between scrapes, per target: the CPU counters last reported (node_exporter's cpu
/// collector keeps the same cache so `node_cpu_seconds_total` never goes backwards).
public final class NodeCollectorState: Sendable {
    /// target → "cpu mode" → seconds last reported.
    private let cpu = Mutex<[String: [String: Double]]>([:])

    public init() {}

    /// The value to report for one CPU counter: node_exporter's rule (collector/cpu_linux.go
    /// `updateCPUStats`): a counter that drops by more than ``cpuJumpBackSeconds`` is a reset
    /// (a CPU that went offline and back) and is taken; a smaller drop (the kernel's idle and
    /// iowait accounting wobbles) keeps the previous value.
    func monotonicCPU(target: String, key: String, value: Double) -> Double {
        cpu.withLock { all in
            var seen = all[target, default: [:]]
            defer { all[target] = seen }
            if let previous = seen[key], value < previous, previous - value <= Self.cpuJumpBackSeconds {
                return previous
            }
            seen[key] = value
            return value
        }
    }

    /// node_exporter's `jumpBackSeconds`.
    static let cpuJumpBackSeconds = 3.0
}

/// Every collector by node_exporter's name, in ``NodeOptions/allCollectors`` order.
public enum NodeCollectors {
    public static let all: [any NodeCollector] = [
        CPUCollector(), StatCollector(), MeminfoCollector(), LoadavgCollector(), FilesystemCollector(), NetDevCollector(),
        NetClassCollector(), DiskstatsCollector(), VmstatCollector(), SockstatCollector(), NetstatCollector(), TCPStatCollector(),
        HwmonCollector(), ThermalZoneCollector(), UnameCollector(), OSCollector(), TimeCollector(), PressureCollector(),
        EntropyCollector(), FileFDCollector(),
    ]

    /// The collectors named in `names`, in their standard order.
    public static func named(_ names: [String]) -> [any NodeCollector] {
        all.filter { names.contains($0.name) }
    }

    /// What `collectors` need together.
    public static func needs(of collectors: [any NodeCollector]) -> NodeNeeds {
        collectors.reduce(NodeNeeds()) { $0.merged(with: $1.needs) }
    }
}

/// node_exporter's per-collector series, help texts as it writes them.
enum NodeScrapeMetrics {
    static func record(collector: String, success: Bool, seconds: Double, into metrics: inout MetricSet) {
        metrics.gauge("node_scrape_collector_duration_seconds", seconds, help: "node_exporter: Duration of a collector scrape.",
                      labels: ["collector": collector])
        metrics.gauge("node_scrape_collector_success", success ? 1 : 0, help: "node_exporter: Whether a collector succeeded.",
                      labels: ["collector": collector])
    }
}
