import VandineCore

/// node_exporter's `time` collector: the machine's clock (`node_time_seconds`), its zone offset
/// and its clocksources.
public struct TimeCollector: NodeCollector {
    public let name = "time"
    static let clocksources = "/sys/devices/system/clocksource"
    public let needs = NodeNeeds(files: ["\(clocksources)/clocksource*/available_clocksource", "\(clocksources)/clocksource*/current_clocksource"],
                                 values: [.clock])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        // "<seconds>[.<fraction>] <zone> <±hhmm>"
        guard let parts = input.files.values[.clock]?.fields, parts.count == 3, let seconds = Double(parts[0]) else {
            throw NodeCollectorError("the clock could not be read")
        }
        metrics.gauge("node_time_seconds", seconds, help: "System time in seconds since epoch (1970).")
        let offset = parts[2]
        if offset.count == 5, let hours = Double(offset.dropFirst().prefix(2)), let minutes = Double(offset.suffix(2)) {
            let value = (hours * 3600 + minutes * 60) * (offset.first == "-" ? -1 : 1)
            metrics.gauge("node_time_zone_offset_seconds", value, help: "System time zone offset in seconds.", labels: ["time_zone": String(parts[1])])
        }
        for entry in input.files.entries(under: Self.clocksources) where entry.hasPrefix("clocksource") {
            let device = String(entry.dropFirst("clocksource".count))
            let directory = "\(Self.clocksources)/\(entry)"
            for source in input.files.attribute("\(directory)/available_clocksource")?.fields ?? [] {
                metrics.gauge("node_time_clocksource_available_info", 1, help: "Available clocksources read from '/sys/devices/system/clocksource'.",
                              labels: ["clocksource": String(source), "device": device])
            }
            if let current = input.files.attribute("\(directory)/current_clocksource"), !current.isEmpty {
                metrics.gauge("node_time_clocksource_current_info", 1, help: "Current clocksource read from '/sys/devices/system/clocksource'.",
                              labels: ["clocksource": current, "device": device])
            }
        }
    }
}
