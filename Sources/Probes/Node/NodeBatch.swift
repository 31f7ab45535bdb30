import VandineCore

/// The `ssh` transport's one command per scrape: a plain POSIX sh script (no bash-isms, no
/// GNU-only flags, so BusyBox ash on OpenWrt and UniFi runs it too) that prints every file the
/// enabled collectors need, and ``parse(_:)`` that turns its output back into ``NodeFiles``.
///
/// Output format, one record per line:
/// - `<path>:<line>`: a line of a gathered file. One `grep -s '' /dev/null <paths…>` prints every
///   file in one process (a fork per file costs ~1 ms on a Pi); `/dev/null` makes grep prefix the
///   path even when a glob matches one file. Gathered paths never hold a `:`.
/// - `\u{1E}L <symlink> <physical path>`: a resolved symlink (`cd` + `pwd -P`, both POSIX builtins).
/// - `\u{1E}S <mount point as in /proc/self/mounts> <bsize> <blocks> <bfree> <bavail> <files> <ffree>`
///   from `stat -f -c` (GNU coreutils and BusyBox agree on `%s %b %f %a %c %d`), or `… error`.
/// - `\u{1E}V <name> <value>`: a program's answer (`uname -m`, `getconf PAGESIZE`, `date`).
public enum NodeBatch {
    static let recordMark: Character = "\u{1E}"

    /// The script for `needs`. Mounts whose type or mount point the options' excludes would drop
    /// are not `stat`-ed when those excludes are node_exporter's defaults (a `case` list the
    /// shell can match; a hung NFS mount would otherwise cost the whole deadline); the collector
    /// applies the exact regexes afterwards in any case.
    public static func script(for needs: NodeNeeds, options: NodeOptions = NodeOptions()) -> String {
        var lines = ["exec 2>/dev/null", "cd /"]
        if !needs.files.isEmpty {
            lines.append("grep -s '' /dev/null " + needs.files.map(quoteGlob).joined(separator: " "))
        }
        for link in needs.links {
            lines.append("for l in \(quoteGlob(link)); do if cd \"$l\"; then printf '\\036L %s ' \"$l\"; pwd -P; cd /; fi; done")
        }
        for value in needs.values {
            let command = switch value {
            case .machine: "uname -m"
            case .pageSize: "getconf PAGESIZE || echo 4096"
            // %N (nanoseconds) is GNU; BusyBox prints it literally, which parse drops.
            case .clock: "date '+%s.%N %Z %z'"
            }
            lines.append("printf '\\036V \(value.rawValue) '; \(command)")
        }
        if needs.filesystems {
            var skip: [String] = []
            if options.fsTypesExclude.pattern == NodeOptions.defaultFSTypesExclude {
                skip.append("case \"$t\" in autofs|binfmt_misc|bpf|cgroup|cgroup2|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs) continue;; esac")
            }
            if options.mountPointsExclude.pattern == NodeOptions.defaultMountPointsExclude {
                skip.append("case \"$m\" in /dev|/dev/*|/proc|/proc/*|/sys|/sys/*|/run/credentials/?*|/var/lib/docker/?*|/var/lib/containers/storage/?*) continue;; esac")
            }
            lines.append("""
                while read -r d m t o r; do \(skip.map { $0 + "; " }.joined()) \
                p=$m; case "$m" in *\\\\*) p=$(printf '%b' "$m");; esac; \
                printf '\\036S %s ' "$m"; stat -f -c '%s %b %f %a %c %d' "$p" || echo error; \
                done < \(FilesystemCollector.mounts)
                """)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A path or glob for the shell: every character but the glob ones is safe in our paths
    /// (letters, digits, `/`, `_`, `-`, `.`), so it is written as is; anything else is refused.
    static func quoteGlob(_ path: String) -> String {
        precondition(path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_-.*?[]".contains($0)) }, "unsafe path \(path)")
        return path
    }

    /// The script's output back as ``NodeFiles``. Lines that fit no record (a stray error
    /// message) are ignored; a cut-off last line is dropped when `truncated`.
    public static func parse(_ output: [UInt8], truncated: Bool = false) -> NodeFiles {
        var files = NodeFiles()
        files.truncated = truncated
        var contents: [String: String] = [:]
        var lines = output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if truncated || lines.last?.isEmpty == true { lines.removeLast() }
        for bytes in lines {
            let line = String(decoding: bytes, as: UTF8.self)
            if line.first == recordMark {
                parseRecord(line.dropFirst(), into: &files)
            } else if line.hasPrefix("/"), let colon = line.firstIndex(of: ":") {
                contents[String(line[..<colon]), default: ""] += line[line.index(after: colon)...] + "\n"
            }
        }
        files.files = contents
        return files
    }

    static func parseRecord(_ record: Substring, into files: inout NodeFiles) {
        let parts = record.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return }
        switch parts[0] {
        case "L": files.links[String(parts[1])] = parts[2].trimmed
        case "V":
            guard let value = NodeFiles.Value(rawValue: String(parts[1])) else { return }
            var text = parts[2].trimmed
            if value == .clock {
                // BusyBox's date has no %N: "1700000000.%N UTC +0000" keeps whole seconds.
                var fields = text.fields.map(String.init)
                if let first = fields.first, let dot = first.firstIndex(of: ".") {
                    let fraction = first[first.index(after: dot)...]
                    if fraction.isEmpty || !fraction.allSatisfy(\.isNumber) { fields[0] = String(first[..<dot]) }
                }
                text = fields.joined(separator: " ")
            }
            files.values[value] = text
        case "S":
            let mountPoint = FilesystemCollector.unescape(parts[1])
            let numbers = parts[2].fields.compactMap { Double($0) }
            files.filesystems[mountPoint] = numbers.count == 6
                ? NodeFiles.FilesystemStat(blockSize: numbers[0], blocks: numbers[1], blocksFree: numbers[2], blocksAvailable: numbers[3],
                                           files: numbers[4], filesFree: numbers[5])
                : .some(nil)
        default: return
        }
    }
}
