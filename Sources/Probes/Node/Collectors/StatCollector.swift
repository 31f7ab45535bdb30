import VandineCore

/// node_exporter's `stat` collector: boot time, context switches, forks, interrupts and process
/// counts from `/proc/stat`.
public struct StatCollector: NodeCollector {
    public let name = "stat"
    public let needs = NodeNeeds(files: ["/proc/stat"])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let text = try input.require("/proc/stat")
        var any = false
        for line in text.split(separator: "\n") {
            let fields = line.fields
            guard fields.count >= 2, let value = Double(fields[1]) else { continue }
            any = true
            switch fields[0] {
            case "intr": metrics.counter("node_intr_total", value, help: "Total number of interrupts serviced.")
            case "ctxt": metrics.counter("node_context_switches_total", value, help: "Total number of context switches.")
            case "btime": metrics.gauge("node_boot_time_seconds", value, help: "Node boot time, in unixtime.")
            case "processes": metrics.counter("node_forks_total", value, help: "Total number of forks.")
            case "procs_running": metrics.gauge("node_procs_running", value, help: "Number of processes in runnable state.")
            case "procs_blocked": metrics.gauge("node_procs_blocked", value, help: "Number of processes blocked waiting for I/O to complete.")
            default: break
            }
        }
        guard any else { throw NodeCollectorError("/proc/stat holds no counters") }
    }
}
