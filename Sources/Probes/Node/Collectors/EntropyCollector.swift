import VandineCore

/// node_exporter's `entropy` collector: `/proc/sys/kernel/random/entropy_avail` and `poolsize`.
public struct EntropyCollector: NodeCollector {
    public let name = "entropy"
    public let needs = NodeNeeds(files: ["/proc/sys/kernel/random/entropy_avail", "/proc/sys/kernel/random/poolsize"])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        guard let available = input.files.attribute("/proc/sys/kernel/random/entropy_avail").flatMap(Double.init) else {
            throw .missing("/proc/sys/kernel/random/entropy_avail")
        }
        metrics.gauge("node_entropy_available_bits", available, help: "Bits of available entropy.")
        if let pool = input.files.attribute("/proc/sys/kernel/random/poolsize").flatMap(Double.init) {
            metrics.gauge("node_entropy_pool_size_bits", pool, help: "Bits of entropy pool.")
        }
    }
}
