import VandineCore

/// node_exporter's `netdev` collector: `/proc/net/dev` counters as
/// `node_network_{receive,transmit}_<field>_total{device}`.
public struct NetDevCollector: NodeCollector {
    public let name = "netdev"
    public let needs = NodeNeeds(files: ["/proc/net/dev"])
    /// Column names of `/proc/net/dev` (net/core/net-procfs.c), receive then transmit.
    static let receive = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"]
    static let transmit = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"]

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let text = try input.require("/proc/net/dev")
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let device = line[..<colon].trimmed
            let values = line[line.index(after: colon)...].fields.compactMap { Double($0) }
            guard !device.isEmpty, values.count == 16 else { continue }
            for (index, field) in Self.receive.enumerated() {
                metrics.counter("node_network_receive_\(field)_total", values[index],
                                help: "Network device statistic receive_\(field).", labels: ["device": device])
            }
            for (index, field) in Self.transmit.enumerated() {
                metrics.counter("node_network_transmit_\(field)_total", values[8 + index],
                                help: "Network device statistic transmit_\(field).", labels: ["device": device])
            }
        }
    }
}
