import VandineCore

/// node_exporter's `diskstats` collector: `/proc/diskstats` (Documentation/admin-guide/iostats.rst)
/// with node_exporter's default device exclude, sectors as bytes (× 512) and milliseconds as seconds.
public struct DiskstatsCollector: NodeCollector {
    public let name = "diskstats"
    public let needs = NodeNeeds(files: ["/proc/diskstats"])
    /// node_exporter 1.x `--collector.diskstats.device-exclude` default.
    static let deviceExclude = RegularExpression(#"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"#)!

    /// Columns after the device name, in file order: metric, help, multiplier, counter.
    static let columns: [(String, String, Double, Bool)] = [
        ("reads_completed_total", "The total number of reads completed successfully.", 1, true),
        ("reads_merged_total", "The total number of reads merged.", 1, true),
        ("read_bytes_total", "The total number of bytes read successfully.", 512, true),
        ("read_time_seconds_total", "The total number of seconds spent by all reads.", 0.001, true),
        ("writes_completed_total", "The total number of writes completed successfully.", 1, true),
        ("writes_merged_total", "The number of writes merged.", 1, true),
        ("written_bytes_total", "The total number of bytes written successfully.", 512, true),
        ("write_time_seconds_total", "This is the total number of seconds spent by all writes.", 0.001, true),
        ("io_now", "The number of I/Os currently in progress.", 1, false),
        ("io_time_seconds_total", "Total seconds spent doing I/Os.", 0.001, true),
        ("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", 0.001, true),
        ("discards_completed_total", "The total number of discards completed successfully.", 1, true),
        ("discards_merged_total", "The total number of discards merged.", 1, true),
        ("discarded_sectors_total", "The total number of sectors discarded successfully.", 1, true),
        ("discard_time_seconds_total", "This is the total number of seconds spent by all discards.", 0.001, true),
        ("flush_requests_total", "The total number of flush requests completed successfully", 1, true),
        ("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.", 0.001, true),
    ]

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        for line in try input.require("/proc/diskstats").split(separator: "\n") {
            let parts = line.fields
            guard parts.count >= 14 else { continue }
            let device = String(parts[2])
            guard !Self.deviceExclude.matches(device) else { continue }
            metrics.gauge("node_disk_info", 1, help: "Info of /sys/block/<block_device>.", labels: [
                "device": device, "major": String(parts[0]), "minor": String(parts[1]),
                // node_exporter fills these from udev's database (/run/udev/data), which we do not read.
                "model": "", "path": "", "revision": "", "serial": "", "wwn": "",
            ])
            let values = parts.dropFirst(3).compactMap { Double($0) }
            for (index, column) in Self.columns.enumerated() where index < values.count {
                let name = "node_disk_\(column.0)"
                if column.3 {
                    metrics.counter(name, values[index] * column.2, help: column.1, labels: ["device": device])
                } else {
                    metrics.gauge(name, values[index] * column.2, help: column.1, labels: ["device": device])
                }
            }
        }
    }
}
