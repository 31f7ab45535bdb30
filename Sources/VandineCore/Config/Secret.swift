import FoundationEssentials

/// A secret value (password, passphrase, token). It never prints itself: `description`,
/// `debugDescription`, string interpolation and `dump` all give `<secret>`, so a secret cannot reach a log
/// line, an error message or `/config` by accident. Read the value with `reveal()` where it is used.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself; call only where it is handed to the library that needs it.
    public func reveal() -> String { value }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
    /// No children: `dump()` and other Mirror-based printers would otherwise show the value.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Where secrets come from: a `KEY` value (with `${ENV_VAR}` references expanded) or a `KEY_file`
/// path whose content is the secret. Both are read at load time, so a missing variable or an
/// unreadable file is a load error rather than a failed probe later.
struct SecretReader {
    let environment: [String: String]
    /// Directory that relative `*_file` paths are resolved against (the config file's folder).
    let baseDirectory: String
    /// Secrets are passwords and tokens; anything bigger is a wrong path.
    static let maximumSecretFileSize = 64 * 1024

    /// Reads `key` or `key_file` from `mapping`; nil when neither is set, an error when both are.
    func secret(_ key: String, in mapping: ConfigMapping) throws(ConfigError) -> Secret? {
        let inline = mapping[key]
        let file = mapping[key + "_file"]
        if let inline, file != nil {
            throw inline.error("set either \(key) or \(key)_file, not both")
        }
        if let inline { return Secret(try expand(inline)) }
        if let file {
            let given = try file.nonEmptyString()
            let path = resolve(given)
            // Only regular files of sane size: `/dev/zero` or a FIFO would hang the loader.
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard let attributes, attributes[.type] as? FileAttributeType == .typeRegular else {
                throw file.error("cannot read file \(given)")
            }
            guard (attributes[.size] as? Int ?? 0) <= Self.maximumSecretFileSize else {
                throw file.error("file \(given) is larger than \(Self.maximumSecretFileSize) bytes")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw file.error("cannot read file \(given)")
            }
            var text = String(decoding: data, as: UTF8.self)
            // Files written by `echo` end with a newline that is not part of the secret.
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return Secret(text)
        }
        return nil
    }

    /// A path relative to the config file's folder.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") || baseDirectory.isEmpty ? path : baseDirectory + "/" + path
    }

    /// Replaces every `${NAME}` in the node's string with the environment variable's value.
    func expand(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        guard text.contains("${") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index...].hasPrefix("${") else {
                result.append(text[index])
                index = text.index(after: index)
                continue
            }
            let nameStart = text.index(index, offsetBy: 2)
            guard let end = text[nameStart...].firstIndex(of: "}") else {
                throw node.error("unterminated ${ in environment variable reference")
            }
            let name = String(text[nameStart..<end])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw node.error("invalid environment variable name \"\(name)\"")
            }
            guard let value = environment[name] else {
                throw node.error("environment variable \(name) is not set")
            }
            result += value
            index = text.index(after: end)
        }
        return result
    }
}
