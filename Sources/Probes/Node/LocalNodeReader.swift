#if canImport(Glibc)
import Glibc
#endif
import VandineCore

/// The `local` transport: reads the same files the ssh batch would print, straight from this
/// machine (glob(3), read(2), realpath(3), statvfs(3) — glibc's wrapper of statfs(2), the same block
/// size and counts node_exporter's statfs reads — uname(2), clock_gettime(2)). Blocking calls:
/// run it off Swift's cooperative pool (``NodeProber`` does).
public struct LocalNodeReader: Sendable {
    /// Where paths are read from: "/" normally; tests point it at a captured tree.
    public var root: String

    public init(root: String = "") { self.root = root }

    /// Everything `needs` asks for, at most `limit` bytes of file contents in all.
    public func read(_ needs: NodeNeeds, options: NodeOptions = NodeOptions(), limit: Int = NodeOptions.defaultOutputLimit) -> NodeFiles {
        var files = NodeFiles()
        var budget = limit
        var patterns = needs.files
        // node_exporter's way for the TCP states: a netlink dump, far cheaper than the files.
        if root.isEmpty, patterns.contains(TCPStatCollector.files[0]), let states = TCPStateDump.states() {
            files.tcpStates = states
            patterns.removeAll { TCPStatCollector.files.contains($0) }
        }
        for pattern in patterns {
            for path in expand(pattern) {
                guard budget > 0 else {
                    files.truncated = true
                    break
                }
                guard let text = Self.readFile(root + path, limit: budget) else { continue }
                budget -= text.utf8.count
                if budget < 0 { files.truncated = true }
                files.files[path] = text
            }
        }
        for pattern in needs.links {
            for path in expand(pattern) {
                guard let resolved = realpath(root + path, nil) else { continue }
                files.links[path] = String(String(cString: resolved).dropFirst(root.count))
                free(resolved)
            }
        }
        for value in needs.values { files.values[value] = Self.value(value) }
        if needs.filesystems, let mounts = files.files[FilesystemCollector.mounts] {
            for mount in FilesystemCollector.parseMounts(mounts) where FilesystemCollector.included(mount, options: options) {
                var buffer = statvfs()
                guard statvfs(root + mount.mountPoint, &buffer) == 0 else {
                    files.filesystems[mount.mountPoint] = .some(nil)
                    continue
                }
                files.filesystems[mount.mountPoint] = NodeFiles.FilesystemStat(
                    blockSize: Double(buffer.f_bsize), blocks: Double(buffer.f_blocks), blocksFree: Double(buffer.f_bfree),
                    blocksAvailable: Double(buffer.f_bavail), files: Double(buffer.f_files), filesFree: Double(buffer.f_ffree))
            }
        }
        return files
    }

    /// The paths matching a shell glob (the path itself when it has no glob character), relative to ``root``.
    func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(root + pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(String(cString: $0).dropFirst(root.count)) }
        }
    }

    /// A whole file as text (proc and sysfs files report size 0: read until EOF), nil when it
    /// cannot be opened or read (sysfs answers EINVAL for a down link's `speed`).
    static func readFile(_ path: String, limit: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < max(limit, 0) + 1 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value the batch would print for `value` on this machine.
    static func value(_ value: NodeFiles.Value) -> String {
        switch value {
        case .machine:
            var name = utsname()
            uname(&name)
            return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        case .pageSize:
            return String(sysconf(Int32(_SC_PAGESIZE)))
        case .clock:
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var seconds = now.tv_sec
            var local = tm()
            localtime_r(&seconds, &local)
            let zone = local.tm_zone.map { String(cString: $0) } ?? "UTC"
            let offset = local.tm_gmtoff
            let sign = offset < 0 ? "-" : "+"
            let hours = abs(offset) / 3600, minutes = abs(offset) % 3600 / 60
            let nanos = String(now.tv_nsec)
            let fraction = String(repeating: "0", count: 9 - nanos.count) + nanos
            return "\(now.tv_sec).\(fraction) \(zone) \(sign)\(hours < 10 ? "0" : "")\(hours)\(minutes < 10 ? "0" : "")\(minutes)"
        }
    }
}
