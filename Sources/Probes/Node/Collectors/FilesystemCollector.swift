import VandineCore

/// node_exporter's `filesystem` collector: `statfs` of every mount in `/proc/self/mounts` whose
/// mount point and type pass the module's excludes, with `device`, `fstype` and `mountpoint`
/// labels. A mount whose `statfs` fails gets only `node_filesystem_device_error 1`.
public struct FilesystemCollector: NodeCollector {
    public let name = "filesystem"
    public static let mounts = "/proc/self/mounts"
    public let needs = NodeNeeds(files: [mounts], filesystems: true)

    public init() {}

    /// One line of a mounts file.
    public struct Mount: Sendable, Equatable {
        public var device: String
        public var mountPoint: String
        public var fsType: String
        public var options: [String]
    }

    /// The mounts of a `/proc/*/mounts` file, octal escapes (`\040`) undone.
    public static func parseMounts(_ text: String) -> [Mount] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.fields
            guard parts.count >= 4 else { return nil }
            return Mount(device: unescape(parts[0]), mountPoint: unescape(parts[1]), fsType: String(parts[2]),
                         options: parts[3].split(separator: ",").map(String.init))
        }
    }

    /// `\040` → space, as the kernel's `mangle` escapes space, tab, newline and backslash.
    public static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
               let value = UInt8(String(decoding: utf8[index + 1...index + 3], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a mount is reported at all (node_exporter's two excludes).
    public static func included(_ mount: Mount, options: NodeOptions) -> Bool {
        !options.mountPointsExclude.matches(mount.mountPoint) && !options.fsTypesExclude.matches(mount.fsType)
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let mounts = Self.parseMounts(try input.require(Self.mounts))
        var seen: Set<[String]> = []
        for mount in mounts where Self.included(mount, options: input.options) {
            let labels = ["device": mount.device, "fstype": mount.fsType, "mountpoint": mount.mountPoint]
            // node_exporter skips a repeated (device, mountpoint, fstype): stacked mounts.
            guard seen.insert([mount.device, mount.fsType, mount.mountPoint]).inserted else { continue }
            guard case let .some(.some(stat)) = input.files.filesystems[mount.mountPoint] else {
                metrics.gauge("node_filesystem_device_error", 1,
                              help: "Whether an error occurred while getting statistics for the given device.", labels: labels)
                continue
            }
            metrics.gauge("node_filesystem_device_error", 0,
                          help: "Whether an error occurred while getting statistics for the given device.", labels: labels)
            metrics.gauge("node_filesystem_size_bytes", stat.blocks * stat.blockSize, help: "Filesystem size in bytes.", labels: labels)
            metrics.gauge("node_filesystem_free_bytes", stat.blocksFree * stat.blockSize, help: "Filesystem free space in bytes.", labels: labels)
            metrics.gauge("node_filesystem_avail_bytes", stat.blocksAvailable * stat.blockSize,
                          help: "Filesystem space available to non-root users in bytes.", labels: labels)
            metrics.gauge("node_filesystem_files", stat.files, help: "Filesystem total file nodes.", labels: labels)
            metrics.gauge("node_filesystem_files_free", stat.filesFree, help: "Filesystem total free file nodes.", labels: labels)
            metrics.gauge("node_filesystem_readonly", mount.options.contains("ro") ? 1 : 0, help: "Filesystem read-only status.", labels: labels)
        }
    }
}
