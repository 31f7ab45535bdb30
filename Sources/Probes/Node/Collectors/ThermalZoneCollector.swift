import VandineCore

/// node_exporter's `thermal_zone` collector: `/sys/class/thermal/thermal_zone<N>/temp` (millidegrees)
/// as `node_thermal_zone_temp{type,zone}` in °C, and the cooling devices' states.
public struct ThermalZoneCollector: NodeCollector {
    public let name = "thermal_zone"
    static let base = "/sys/class/thermal"
    public let needs = NodeNeeds(files: ["\(base)/thermal_zone*/temp", "\(base)/thermal_zone*/type", "\(base)/cooling_device*/type",
                                         "\(base)/cooling_device*/cur_state", "\(base)/cooling_device*/max_state"])

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        for entry in input.files.entries(under: Self.base) {
            let directory = "\(Self.base)/\(entry)"
            if entry.hasPrefix("thermal_zone") {
                guard let type = input.files.attribute("\(directory)/type"),
                      let milli = input.files.attribute("\(directory)/temp").flatMap(Double.init) else { continue }
                metrics.gauge("node_thermal_zone_temp", milli / 1000, help: "Zone temperature in Celsius",
                              labels: ["type": type, "zone": String(entry.dropFirst("thermal_zone".count))])
            } else if entry.hasPrefix("cooling_device") {
                guard let type = input.files.attribute("\(directory)/type") else { continue }
                let labels = ["name": String(entry.dropFirst("cooling_device".count)), "type": type]
                if let current = input.files.attribute("\(directory)/cur_state").flatMap(Double.init) {
                    metrics.gauge("node_cooling_device_cur_state", current, help: "Current throttle state of the cooling device", labels: labels)
                }
                if let maximum = input.files.attribute("\(directory)/max_state").flatMap(Double.init) {
                    metrics.gauge("node_cooling_device_max_state", maximum, help: "Maximum throttle state of the cooling device", labels: labels)
                }
            }
        }
    }
}
