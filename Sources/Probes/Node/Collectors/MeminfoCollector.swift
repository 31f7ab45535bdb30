import VandineCore

/// node_exporter's `meminfo` collector: every `/proc/meminfo` field as `node_memory_<Field>`;
/// `Active(anon)` becomes `Active_anon`; a value in kB is multiplied by 1024 and gets `_bytes`;
/// a name ending in `_total` is a counter, everything else a gauge (collector/meminfo_linux.go).
public struct MeminfoCollector: NodeCollector {
    public let name = "meminfo"
    public let needs = NodeNeeds(files: ["/proc/meminfo"])

    public init() {}

    /// `(field name, value)` pairs as node_exporter names them, in file order.
    static func parse(_ text: String) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for line in text.split(separator: "\n") {
            let parts = line.fields
            guard parts.count == 2 || parts.count == 3, parts[0].hasSuffix(":"), var value = Double(parts[1]) else { continue }
            var key = String(parts[0].dropLast())
            // Active(anon) -> Active_anon
            key = key.replacingAll("(", with: "_").replacingAll(")", with: "")
            if parts.count == 3 {
                value *= 1024
                key += "_bytes"
            }
            out.append((key, value))
        }
        return out
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let fields = Self.parse(try input.require("/proc/meminfo"))
        guard !fields.isEmpty else { throw NodeCollectorError("/proc/meminfo holds no fields") }
        for (key, value) in fields {
            let help = "Memory information field \(key)."
            if key.hasSuffix("_total") {
                metrics.counter("node_memory_\(key)", value, help: help)
            } else {
                metrics.gauge("node_memory_\(key)", value, help: help)
            }
        }
    }
}
