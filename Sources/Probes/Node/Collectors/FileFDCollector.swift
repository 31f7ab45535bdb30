import VandineCore

/// node_exporter's `filefd` collector: allocated and maximum from `/proc/sys/fs/file-nr`.
public struct FileFDCollector: NodeCollector {
    public let name = "filefd"
    public let needs = NodeNeeds(files: ["/proc/sys/fs/file-nr"])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let fields = try input.require("/proc/sys/fs/file-nr").fields.compactMap { Double($0) }
        guard fields.count == 3 else { throw NodeCollectorError("/proc/sys/fs/file-nr is not three numbers") }
        metrics.gauge("node_filefd_allocated", fields[0], help: "File descriptor statistics: allocated.")
        metrics.gauge("node_filefd_maximum", fields[2], help: "File descriptor statistics: maximum.")
    }
}
