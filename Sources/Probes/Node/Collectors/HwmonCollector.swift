import VandineCore

/// node_exporter's `hwmon` collector: every `/sys/class/hwmon/hwmon<N>` sensor file
/// (`<type><n>_<item>`, Documentation/hwmon/sysfs-interface.rst) as `node_hwmon_<type>[_<item>]_<unit>{chip,sensor}`,
/// plus `node_hwmon_chip_names{chip,chip_name}` and `node_hwmon_sensor_label{chip,label,sensor}`.
///
/// The `chip` label is node_exporter's (collector/hwmon_linux.go `hwmonName`): the device the
/// hwmon node hangs off as `<parent dir>_<device dir>` (`thermal_thermal_zone0`,
/// `platform_coretemp_0`), else the `name` file, else `hwmon<N>`. Since node_exporter 1.12 (its
/// #3646), when two hwmon nodes share one device, each such chip label gets `_<name>` if the
/// `name` files tell them apart, else `_hwmon<N>`.
public struct HwmonCollector: NodeCollector {
    public let name = "hwmon"
    static let base = "/sys/class/hwmon"
    /// Sensor attribute files (`temp1_input`, `in0_lcrit_alarm`, `fan1_min`), in the node and,
    /// for old drivers, in its device directory.
    public let needs = NodeNeeds(files: ["\(base)/hwmon*/name", "\(base)/hwmon*/[a-z]*[0-9]_*", "\(base)/hwmon*/[a-z]*[0-9]",
                                         "\(base)/hwmon*/beep_enable", "\(base)/hwmon*/update_interval",
                                         "\(base)/hwmon*/device/[a-z]*[0-9]_*"],
                                 links: ["\(base)/hwmon*/device"])
    static let sensorTypes: Set<String> = ["vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm", "temp", "curr", "power",
                                           "energy", "humidity", "intrusion"]

    public init() {}

    /// node_exporter's `cleanMetricName`: lower case, `[^a-z0-9:_]` → `_`, `_` trimmed at both ends.
    static func clean(_ text: String) -> String {
        let mapped = String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ":" || $0 == "_") ? $0 : "_" })
        var result = Substring(mapped)
        while result.first == "_" { result = result.dropFirst() }
        while result.last == "_" { result = result.dropLast() }
        return String(result)
    }

    /// `temp1_crit_alarm` → ("temp", "1", "crit_alarm"), as node_exporter's
    /// `^(?P<type>[^0-9]+)(?P<id>[0-9]*)?(_(?P<property>.+))?$`: a file without a number is
    /// sensor 0 (`beep_enable` → ("beep_enable", "0", "")). Nil for names that do not fit.
    static func explode(_ file: String) -> (type: String, number: String, property: String)? {
        let type = file.prefix { !$0.isNumber }
        let afterType = file.dropFirst(type.count)
        let digits = afterType.prefix { $0.isNumber }
        var property = afterType.dropFirst(digits.count)
        if property.first == "_", property.count > 1 { property = property.dropFirst() } else if !property.isEmpty { return nil }
        guard !type.isEmpty else { return nil }
        return (String(type), String(Int(digits) ?? 0), String(property))
    }

    /// The chip label of each hwmon directory name, collisions resolved as node_exporter 1.12.
    static func chipNames(_ files: NodeFiles, hwmons: [String]) -> [String: String] {
        var base: [String: String] = [:]
        var fromDevice: Set<String> = []
        for hwmon in hwmons {
            let directory = "\(Self.base)/\(hwmon)"
            if let device = files.links["\(directory)/device"] {
                let parts = device.split(separator: "/")
                let deviceName = clean(String(parts.last ?? ""))
                let deviceType = parts.count >= 2 ? clean(String(parts[parts.count - 2])) : ""
                if !deviceName.isEmpty {
                    base[hwmon] = deviceType.isEmpty ? deviceName : "\(deviceType)_\(deviceName)"
                    fromDevice.insert(hwmon)
                    continue
                }
            }
            if let name = files.attribute("\(directory)/name").map(clean), !name.isEmpty {
                base[hwmon] = name
            } else {
                base[hwmon] = clean(hwmon)
            }
        }
        var groups: [String: [String]] = [:]
        for (hwmon, chip) in base { groups[chip, default: []].append(hwmon) }
        var result = base
        for (chip, members) in groups where members.count > 1 {
            let names = members.map { files.attribute("\(Self.base)/\($0)/name").map(clean) ?? "" }
            let distinct = Set(names).count == members.count && !names.contains("")
            for (index, hwmon) in members.enumerated() {
                result[hwmon] = "\(chip)_\(distinct ? names[index] : clean(hwmon))"
            }
        }
        return result
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let hwmons = input.files.entries(under: Self.base).filter { $0.hasPrefix("hwmon") }
        guard !hwmons.isEmpty else { throw NodeCollectorError("\(Self.base) holds no hwmon device") }
        let chips = Self.chipNames(input.files, hwmons: hwmons)
        for hwmon in hwmons {
            guard let chip = chips[hwmon] else { continue }
            let directory = "\(Self.base)/\(hwmon)"
            if let name = input.files.attribute("\(directory)/name").map(Self.clean), !name.isEmpty {
                metrics.gauge("node_hwmon_chip_names", 1, help: "Annotation metric for human-readable chip names",
                              labels: ["chip": chip, "chip_name": name])
            }
            // sensor ("temp1") → property ("input", "crit_alarm", "" for `vrm`-like files) → value text.
            var sensors: [String: [String: String]] = [:]
            for folder in [directory, "\(directory)/device"] {
                for file in input.files.entries(under: folder) {
                    guard let (type, number, property) = Self.explode(file), Self.sensorTypes.contains(type),
                          let value = input.files.attribute("\(folder)/\(file)") else { continue }
                    sensors["\(type)\(number)", default: [:]][property] = value
                }
            }
            for (sensor, properties) in sensors.sorted(by: { $0.key < $1.key }) {
                Self.emit(chip: chip, sensor: sensor, properties: properties, into: &metrics)
            }
        }
    }

    /// One sensor's series, named and scaled as node_exporter's `updateHwmon`.
    static func emit(chip: String, sensor: String, properties: [String: String], into metrics: inout MetricSet) {
        guard let type = explode(sensor)?.type else { return }
        let labels = ["chip": chip, "sensor": sensor]
        if let label = properties["label"] {
            metrics.gauge("node_hwmon_sensor_label", 1, help: "Label for given chip and sensor",
                          labels: ["chip": chip, "sensor": sensor, "label": label])
        }
        if type == "beep_enable" {
            metrics.gauge("node_hwmon_beep_enabled", properties[""] == "1" ? 1 : 0, help: "Hardware beep enabled", labels: labels)
            return
        }
        if type == "vrm" || type == "update_interval" {
            guard let value = properties[""].flatMap(Double.init) else { return }
            if type == "vrm" {
                metrics.gauge("node_hwmon_voltage_regulator_version", value, help: "Hardware voltage regulator", labels: labels)
            } else {
                metrics.gauge("node_hwmon_update_interval_seconds", value * 0.001, help: "Hardware monitor update interval", labels: labels)
            }
            return
        }
        let prefix = "node_hwmon_\(type)"
        for (element, text) in properties.sorted(by: { $0.key < $1.key }) where element != "label" {
            var name = prefix
            if element == "input" {
                if properties[""] != nil { name += "_input" }
            } else if !element.isEmpty {
                name += "_" + clean(element)
            }
            guard let value = Double(text) else { continue }
            switch (type, element) {
            case (_, "fault"), (_, "alarm"):
                metrics.gauge(name, value, help: "Hardware sensor \(element) status (\(type))", labels: labels)
            case (_, "beep"):
                metrics.gauge(name + "_enabled", value, help: "Hardware monitor sensor has beeping enabled", labels: labels)
            case ("in", _), ("cpu", _):
                metrics.gauge(name + "_volts", value * 0.001, help: "Hardware monitor for voltage (\(element))", labels: labels)
            case ("temp", let element) where element != "type":
                metrics.gauge(name + "_celsius", value * 0.001, help: "Hardware monitor for temperature (\(element))", labels: labels)
            case ("curr", _):
                metrics.gauge(name + "_amps", value * 0.001, help: "Hardware monitor for current (\(element))", labels: labels)
            case ("energy", _):
                metrics.counter(name + "_joule_total", value / 1_000_000, help: "Hardware monitor for joules used so far (\(element))", labels: labels)
            case ("power", "accuracy"):
                metrics.gauge(name, value / 1_000_000, help: "Hardware monitor power meter accuracy, as a ratio", labels: labels)
            case ("power", "average_interval"), ("power", "average_interval_min"), ("power", "average_interval_max"):
                metrics.gauge(name + "_seconds", value * 0.001, help: "Hardware monitor power usage update interval (\(element))", labels: labels)
            case ("power", _):
                metrics.gauge(name + "_watt", value / 1_000_000, help: "Hardware monitor for power usage in watts (\(element))", labels: labels)
            case ("humidity", _):
                metrics.gauge(name, value / 1_000_000, help: "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (\(element))", labels: labels)
            case ("fan", "input"), ("fan", "min"), ("fan", "max"), ("fan", "target"):
                metrics.gauge(name + "_rpm", value, help: "Hardware monitor for fan revolutions per minute (\(element))", labels: labels)
            default:
                metrics.gauge(name, value, help: "Hardware monitor \(type) element \(element)", labels: labels)
            }
        }
    }
}
