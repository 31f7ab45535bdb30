import VandineCore

/// node_exporter's `vmstat` collector: the `/proc/vmstat` fields its default
/// `--collector.vmstat.fields` selects, untyped as it exposes them.
public struct VmstatCollector: NodeCollector {
    public let name = "vmstat"
    public let needs = NodeNeeds(files: ["/proc/vmstat"])
    /// node_exporter's default `--collector.vmstat.fields`: `^(oom_kill|pgpg|pswp|pg.*fault).*`.
    static let fields = RegularExpression("^(oom_kill|pgpg|pswp|pg.*fault).*")!

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        for line in try input.require("/proc/vmstat").split(separator: "\n") {
            let parts = line.fields
            guard parts.count == 2, Self.fields.matches(String(parts[0])), let value = Double(parts[1]) else { continue }
            metrics.untyped("node_vmstat_\(parts[0])", value, help: "/proc/vmstat information field \(parts[0]).")
        }
    }
}
