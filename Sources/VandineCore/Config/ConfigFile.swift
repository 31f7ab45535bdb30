#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A configuration file read from disk: its text, the name errors call it by, and the folder that
/// relative `*_file` paths inside it are resolved against.
public struct ConfigFile: Sendable {
    public let text: String
    /// The file's last path component, as error lines show it.
    public let name: String
    public let directory: String

    /// Reads `path`; an unreadable or non-UTF-8 file is a one-line `ConfigError`.
    public static func read(path: String) throws(ConfigError) -> ConfigFile {
        let name = path.lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, column: nil, path: "", message: "cannot read file: \(reason(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: name, line: nil, column: nil, path: "", message: "file is not valid UTF-8")
        }
        return ConfigFile(text: text, name: name, directory: path.deletingLastPathComponent)
    }

    /// Why `path` cannot be read, from open(2)'s errno ("No such file or directory").
    static func reason(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd < 0 else {
            close(fd)
            return "it is not a readable regular file"
        }
        return String(cString: strerror(errno))
    }
}
