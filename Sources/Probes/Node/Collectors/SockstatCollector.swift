import VandineCore

/// node_exporter's `sockstat` collector: `/proc/net/sockstat` and `sockstat6` as
/// `node_sockstat_<PROTO>_<field>`; `mem` (pages) is also given in bytes with the machine's page size.
public struct SockstatCollector: NodeCollector {
    public let name = "sockstat"
    public let needs = NodeNeeds(files: ["/proc/net/sockstat", "/proc/net/sockstat6"], values: [.pageSize])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let pageSize = input.files.values[.pageSize].flatMap { Double($0.trimmed) } ?? 4096
        for (path, suffix) in [("/proc/net/sockstat", ""), ("/proc/net/sockstat6", "6")] {
            guard let text = input.files.file(path) else {
                if suffix.isEmpty { throw .missing(path) }
                continue
            }
            for line in text.split(separator: "\n") {
                let parts = line.fields
                guard let first = parts.first, first.hasSuffix(":") else { continue }
                let proto = String(first.dropLast())
                var index = 1
                while index + 1 < parts.count {
                    let field = String(parts[index])
                    if let value = Double(parts[index + 1]) {
                        if proto == "sockets", field == "used" {
                            metrics.gauge("node_sockstat_sockets_used", value, help: "Number of IPv\(suffix.isEmpty ? "4" : "6") sockets in use.")
                        } else {
                            // sockstat6 names its protocols TCP6, UDP6 …; node_exporter keeps them.
                            metrics.gauge("node_sockstat_\(proto)_\(field)", value, help: "Number of \(proto) sockets in state \(field).")
                            if field == "mem" {
                                metrics.gauge("node_sockstat_\(proto)_mem_bytes", value * pageSize,
                                              help: "Number of \(proto) sockets in state mem_bytes.")
                            }
                        }
                    }
                    index += 2
                }
            }
        }
    }
}
