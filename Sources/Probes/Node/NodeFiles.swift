/// One scrape's worth of a machine's files, as both transports deliver them: the contents of the
/// `/proc` and `/sys` files the enabled collectors asked for, the physical paths of a few symlinks,
/// each mount point's `statfs`, and a few values only a program can give (`uname -m`, the page
/// size, the clock). The collectors parse only this, so `local` and `ssh` share every parser.
public struct NodeFiles: Sendable, Equatable {
    /// What `statfs(2)` (or `stat -f`) said about one mount point.
    public struct FilesystemStat: Sendable, Equatable {
        /// `f_bsize`: node_exporter multiplies block counts by it.
        public var blockSize: Double
        public var blocks: Double
        public var blocksFree: Double
        /// Blocks available to unprivileged users (`f_bavail`).
        public var blocksAvailable: Double
        public var files: Double
        public var filesFree: Double

        public init(blockSize: Double, blocks: Double, blocksFree: Double, blocksAvailable: Double, files: Double, filesFree: Double) {
            self.blockSize = blockSize
            self.blocks = blocks
            self.blocksFree = blocksFree
            self.blocksAvailable = blocksAvailable
            self.files = files
            self.filesFree = filesFree
        }
    }

    /// Values that come from a program or a system call rather than a file.
    public enum Value: String, Sendable, CaseIterable {
        /// `uname -m` (the machine; /proc has no file for it).
        case machine = "uname-m"
        /// The page size in bytes (`getconf PAGESIZE`): sockstat's `mem` is in pages.
        case pageSize = "pagesize"
        /// `<seconds since the epoch> <zone abbreviation> <±hhmm>` (`date +'%s %Z %z'`).
        case clock = "date"
    }

    /// Path → contents (text as read, trailing newline included).
    public var files: [String: String] = [:]
    /// Symlink path → the physical path it resolves to.
    public var links: [String: String] = [:]
    /// Mount point (unescaped) → its statistics, or nil when `statfs` failed.
    public var filesystems: [String: FilesystemStat?] = [:]
    public var values: [Value: String] = [:]
    /// TCP connection counts by state (with `tx_queued_bytes` and `rx_queued_bytes`) when the
    /// transport asked the kernel over netlink (local); nil means: count `/proc/net/tcp` and `tcp6`.
    public var tcpStates: [String: Double]?
    /// True when the transport stopped at its output limit (the last file may be cut short).
    public var truncated = false

    public init() {}

    /// The contents of `path`, or nil when it was not read (absent, unreadable).
    public func file(_ path: String) -> String? { files[path] }

    /// The trimmed first line of `path`: the value of a one-value sysfs attribute.
    public func attribute(_ path: String) -> String? {
        guard let text = files[path] else { return nil }
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "").trimmed
    }

    /// The names directly under `directory` that some gathered path passes through, sorted.
    public func entries(under directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var names: Set<String> = []
        for path in files.keys where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if let name = rest.split(separator: "/").first { names.insert(String(name)) }
        }
        return names.sorted()
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\n" || first == "\r" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\n" || last == "\r" { scalars = scalars.dropLast() }
        return String(scalars)
    }

    /// Whitespace-separated fields (spaces, tabs, newlines).
    var fields: [Substring] { split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map { Substring($0) } }
}
