import VandineCore

/// node_exporter's `netclass` collector: each `/sys/class/net/<iface>` attribute as a
/// `node_network_*{device}` gauge, `node_network_up` (operstate is `up`) and
/// `node_network_info{address,broadcast,device,duplex,ifalias,operstate}`.
public struct NetClassCollector: NodeCollector {
    public let name = "netclass"
    static let base = "/sys/class/net"
    /// sysfs attribute → node_exporter's metric suffix, and whether it is a counter.
    static let numeric: [(String, String, Bool)] = [
        ("addr_assign_type", "address_assign_type", false), ("carrier", "carrier", false),
        ("carrier_changes", "carrier_changes_total", true), ("carrier_up_count", "carrier_up_changes_total", true),
        ("carrier_down_count", "carrier_down_changes_total", true), ("dev_id", "device_id", false), ("dormant", "dormant", false),
        ("flags", "flags", false), ("ifindex", "iface_id", false), ("iflink", "iface_link", false),
        ("link_mode", "iface_link_mode", false), ("mtu", "mtu_bytes", false), ("name_assign_type", "name_assign_type", false),
        ("netdev_group", "net_dev_group", false), ("type", "protocol_type", false), ("speed", "speed_bytes", false),
        ("tx_queue_len", "transmit_queue_length", false),
    ]
    static let text = ["address", "broadcast", "duplex", "ifalias", "operstate"]
    public let needs = NodeNeeds(files: (numeric.map(\.0) + text).map { "\(base)/*/\($0)" })

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let devices = input.files.entries(under: Self.base)
        guard !devices.isEmpty else { throw NodeCollectorError("\(Self.base) lists no interface") }
        for device in devices {
            let directory = "\(Self.base)/\(device)"
            func attribute(_ name: String) -> String? { input.files.attribute("\(directory)/\(name)") }
            var info = ["device": device]
            for name in Self.text { info[name] = attribute(name) ?? "" }
            metrics.gauge("node_network_info", 1, help: "Non-numeric data from /sys/class/net/<iface>, value is always 1.", labels: info)
            metrics.gauge("node_network_up", attribute("operstate") == "up" ? 1 : 0,
                          help: "Value is 1 if operstate is 'up', 0 otherwise.", labels: ["device": device])
            for (file, metric, counter) in Self.numeric {
                guard let text = attribute(file), var value = Self.number(text) else { continue }
                // speed is in Mbit/s; node_exporter reports bytes per second (speed * 1000 * 1000 / 8).
                if file == "speed" { value *= 125_000 }
                let name = "node_network_\(metric)"
                let help = "Network device property: \(metric)"
                if counter {
                    metrics.counter(name, value, help: help, labels: ["device": device])
                } else {
                    metrics.gauge(name, value, help: help, labels: ["device": device])
                }
            }
        }
    }

    /// Decimal, or hexadecimal with `0x` (`flags`, `dev_id`).
    static func number(_ text: String) -> Double? {
        if text.hasPrefix("0x"), let value = UInt64(text.dropFirst(2), radix: 16) { return Double(value) }
        return Double(text)
    }
}
