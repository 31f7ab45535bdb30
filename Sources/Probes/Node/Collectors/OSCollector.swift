import VandineCore

/// node_exporter's `os` collector: `node_os_info` and `node_os_version` from `/etc/os-release`
/// (else `/usr/lib/os-release`), the freedesktop.org os-release(5) format.
public struct OSCollector: NodeCollector {
    public let name = "os"
    public let needs = NodeNeeds(files: ["/etc/os-release", "/usr/lib/os-release"])
    /// os-release keys → node_os_info labels, as node_exporter 1.x.
    static let keys = ["BUILD_ID", "ID", "ID_LIKE", "IMAGE_ID", "IMAGE_VERSION", "NAME", "PRETTY_NAME", "VARIANT", "VARIANT_ID",
                       "VERSION", "VERSION_CODENAME", "VERSION_ID"]

    public init() {}

    /// KEY=value pairs; values may be in single or double quotes with backslash escapes (os-release(5)).
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmed
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var value = Substring(trimmed[trimmed.index(after: equals)...])
            if let quote = value.first, quote == "\"" || quote == "'", value.count >= 2, value.last == quote {
                value = value.dropFirst().dropLast()
            }
            var unescaped = ""
            var escaping = false
            for character in value {
                if escaping || character != "\\" { unescaped.append(character); escaping = false } else { escaping = true }
            }
            out[String(trimmed[..<equals])] = unescaped
        }
        return out
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        guard let text = input.files.file("/etc/os-release") ?? input.files.file("/usr/lib/os-release") else {
            throw .missing("/etc/os-release")
        }
        let release = Self.parse(text)
        var labels: [String: String] = [:]
        for key in Self.keys { labels[key.lowercased()] = release[key] ?? "" }
        metrics.gauge("node_os_info", 1, help: "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.", labels: labels)
        // major.minor of VERSION_ID as a number (node_exporter: "12" → 12, "22.04.3" → 22.04).
        let parts = (release["VERSION_ID"] ?? "").split(separator: ".")
        if let major = parts.first, let version = Double(parts.count > 1 ? "\(major).\(parts[1])" : String(major)) {
            metrics.gauge("node_os_version", version, help: "Metric containing the major.minor part of the OS version.",
                          labels: ["id": labels["id"] ?? "", "id_like": labels["id_like"] ?? "", "name": labels["name"] ?? ""])
        }
    }
}
