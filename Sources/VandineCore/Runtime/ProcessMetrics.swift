import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` metrics (as Prometheus' client libraries export them), read from
/// `/proc/self`. Missing files (non-Linux) just mean fewer metrics.
public enum ProcessMetrics {
    /// Clock ticks per second for `/proc/self/stat` times.
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    public static func families() -> [MetricFamily] {
        var set = MetricSet()
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name (which may hold spaces) start at field 3 (state).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 22 {
                let user = Double(fields[11]) ?? 0, system = Double(fields[12]) ?? 0
                set.counter("process_cpu_seconds_total", (user + system) / ticksPerSecond,
                            help: "Total user and system CPU time spent in seconds.")
                set.gauge("process_virtual_memory_bytes", Double(fields[20]) ?? 0, help: "Virtual memory size in bytes.")
                set.gauge("process_resident_memory_bytes", (Double(fields[21]) ?? 0) * pageSize,
                          help: "Resident memory size in bytes.")
                if let startTicks = Double(fields[19]), let boot = bootTime() {
                    set.gauge("process_start_time_seconds", boot + startTicks / ticksPerSecond,
                              help: "Start time of the process since unix epoch in seconds.")
                }
            }
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            set.gauge("process_open_fds", Double(fds.count), help: "Number of open file descriptors.")
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            set.gauge("process_max_fds", Double(limit.rlim_cur), help: "Maximum number of open file descriptors.")
        }
        return set.families
    }

    private static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingBlanks())
        }
        return nil
    }
}
