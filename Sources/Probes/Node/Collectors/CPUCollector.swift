import VandineCore

/// node_exporter's `cpu` collector: the per-CPU lines of `/proc/stat`, in USER_HZ ticks, as
/// seconds (`node_cpu_seconds_total{cpu,mode}`, 8 modes; `node_cpu_guest_seconds_total{cpu,mode}`
/// for guest and guest_nice). Counters never go backwards per target (``NodeCollectorState``).
public struct CPUCollector: NodeCollector {
    public let name = "cpu"
    public let needs = NodeNeeds(files: ["/proc/stat"])
    /// USER_HZ: `/proc/stat` counts in 1/100 s on every Linux architecture (procfs `userHZ`).
    static let userHZ = 100.0
    /// `/proc/stat` column order after `cpuN` (proc(5)).
    static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    static let guestModes = ["user", "nice"]

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let text = try input.require("/proc/stat")
        var found = false
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") && !line.hasPrefix("cpu ") {
            let fields = line.fields
            let cpu = String(fields[0].dropFirst(3))
            guard !cpu.isEmpty, cpu.allSatisfy(\.isNumber) else { continue }
            let values = fields.dropFirst().compactMap { Double($0) }.map { $0 / Self.userHZ }
            found = true
            for (index, mode) in Self.modes.enumerated() where index < values.count {
                let value = input.state.monotonicCPU(target: input.target, key: "\(cpu) \(mode)", value: values[index])
                metrics.counter("node_cpu_seconds_total", value, help: "Seconds the CPUs spent in each mode.",
                                labels: ["cpu": cpu, "mode": mode])
            }
            for (offset, mode) in Self.guestModes.enumerated() where 8 + offset < values.count {
                let value = input.state.monotonicCPU(target: input.target, key: "\(cpu) guest_\(mode)", value: values[8 + offset])
                metrics.counter("node_cpu_guest_seconds_total", value, help: "Seconds the CPUs spent in guests (VMs) for each mode.",
                                labels: ["cpu": cpu, "mode": mode])
            }
        }
        guard found else { throw NodeCollectorError("/proc/stat has no per-CPU lines") }
    }
}
