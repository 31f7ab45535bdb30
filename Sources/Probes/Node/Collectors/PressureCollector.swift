import VandineCore

/// node_exporter's `pressure` collector: the `total=` microseconds of `/proc/pressure/*` (PSI,
/// Linux 4.20+) as seconds. Absent files mean the kernel has no PSI: the collector then fails, as
/// node_exporter's does.
public struct PressureCollector: NodeCollector {
    public let name = "pressure"
    public let needs = NodeNeeds(files: ["/proc/pressure/cpu", "/proc/pressure/io", "/proc/pressure/memory", "/proc/pressure/irq"])

    /// resource → (metric for `some`, its help, metric for `full`, its help), as node_exporter 1.x names them.
    static let names: [(String, (String, String)?, (String, String))] = [
        ("cpu", ("node_pressure_cpu_waiting_seconds_total", "Total time in seconds that processes have waited for CPU time"),
         ("node_pressure_cpu_stalled_seconds_total", "Total time in seconds no process could make progress due to CPU congestion")),
        ("io", ("node_pressure_io_waiting_seconds_total", "Total time in seconds that processes have waited due to IO congestion"),
         ("node_pressure_io_stalled_seconds_total", "Total time in seconds no process could make progress due to IO congestion")),
        ("memory", ("node_pressure_memory_waiting_seconds_total", "Total time in seconds that processes have waited for memory"),
         ("node_pressure_memory_stalled_seconds_total", "Total time in seconds no process could make progress due to memory congestion")),
        ("irq", nil, ("node_pressure_irq_stalled_seconds_total", "Total time in seconds no process could make progress due to IRQ congestion")),
    ]

    public init() {}

    /// `some`/`full` → total seconds of one pressure file.
    static func totals(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.fields
            guard let kind = parts.first, let total = parts.first(where: { $0.hasPrefix("total=") }),
                  let micros = Double(total.dropFirst(6)) else { continue }
            out[String(kind)] = micros / 1_000_000
        }
        return out
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        guard input.files.file("/proc/pressure/cpu") != nil else {
            throw NodeCollectorError("pressure information is unavailable (/proc/pressure needs Linux 4.20 or later with PSI on)")
        }
        for (resource, some, full) in Self.names {
            guard let text = input.files.file("/proc/pressure/\(resource)") else { continue }
            let totals = Self.totals(text)
            if let some, let value = totals["some"] { metrics.counter(some.0, value, help: some.1) }
            // A cpu "full" line is all zeros below the cgroup level; node_exporter reports it when present.
            if let value = totals["full"] { metrics.counter(full.0, value, help: full.1) }
        }
    }
}
