import VandineCore

/// node_exporter's `uname` collector: `node_uname_info` (Node Exporter Full's host picker). The
/// fields of uname(2) come from `/proc/sys/kernel/*` (the same kernel strings) and `uname -m`.
public struct UnameCollector: NodeCollector {
    public let name = "uname"
    static let kernel = "/proc/sys/kernel"
    /// label → file under /proc/sys/kernel.
    static let files = [("sysname", "ostype"), ("nodename", "hostname"), ("release", "osrelease"), ("version", "version"),
                        ("domainname", "domainname")]
    public let needs = NodeNeeds(files: files.map { "\(kernel)/\($0.1)" }, values: [.machine])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        var labels: [String: String] = [:]
        for (label, file) in Self.files {
            guard let value = input.files.attribute("\(Self.kernel)/\(file)") else { throw .missing("\(Self.kernel)/\(file)") }
            labels[label] = value
        }
        guard let machine = input.files.values[.machine]?.trimmed, !machine.isEmpty else {
            throw NodeCollectorError("uname -m gave no machine")
        }
        labels["machine"] = machine
        metrics.gauge("node_uname_info", 1, help: "Labeled system information as provided by the uname system call.", labels: labels)
    }
}
