import VandineCore

/// node_exporter's `loadavg` collector: the first three fields of `/proc/loadavg`.
public struct LoadavgCollector: NodeCollector {
    public let name = "loadavg"
    public let needs = NodeNeeds(files: ["/proc/loadavg"])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let fields = try input.require("/proc/loadavg").fields
        let loads = fields.prefix(3).compactMap { Double($0) }
        guard loads.count == 3 else { throw NodeCollectorError("/proc/loadavg is not three load averages") }
        for (index, minutes) in ["1", "5", "15"].enumerated() {
            metrics.gauge("node_load\(minutes)", loads[index], help: "\(minutes)m load average.")
        }
    }
}
