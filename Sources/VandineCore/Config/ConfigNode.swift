import FoundationEssentials

/// A YAML node together with where it came from, so every conversion error can name the file,
/// line, column and key path, and unknown keys can be rejected (a Codable decoder does neither).
public struct ConfigNode {
    let node: YAMLNode
    /// Key path of this node, e.g. `devices[2].ssh`.
    public let path: String
    /// The file name used in error messages.
    public let file: String

    init(node: YAMLNode, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    /// Parses a YAML document. An empty document yields an empty mapping.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ConfigNode {
        do {
            return ConfigNode(node: try YAMLDocument.parse(yaml), path: "", file: file)
        } catch {
            throw ConfigError(file: file, line: error.mark?.line, column: error.mark?.column, path: "",
                              message: "invalid YAML: \(error.message)")
        }
    }

    // MARK: - Errors

    /// An error positioned at this node.
    public func error(_ message: String) -> ConfigError {
        let mark = node.mark
        return ConfigError(file: file, line: mark.line, column: mark.column, path: path, message: message)
    }

    /// How a scalar appears in error messages: quoted when it holds spaces or is empty.
    var quotedValue: String {
        guard case let .scalar(text, _, _) = node else {
            if case .mapping = node { return "a mapping" }
            return "a list"
        }
        let needsQuotes = text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == ":" })
        return needsQuotes ? "\"\(text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\\""))\"" : text
    }

    /// True for `~`, `null` and an empty scalar: YAML's ways of writing "no value".
    public var isNull: Bool {
        guard case let .scalar(text, plain, _) = node else { return false }
        return plain && ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// The scalar's text and whether it was written plain (unquoted); nil for lists and mappings.
    var scalar: (text: String, plain: Bool)? {
        guard case let .scalar(text, plain, _) = node else { return nil }
        return (text, plain)
    }

    // MARK: - Scalars

    /// The node as a string; mappings and lists are rejected.
    public func string() throws(ConfigError) -> String {
        guard let scalar, !isNull else {
            throw error("must be a string, got \(isNull ? "nothing" : quotedValue)")
        }
        return scalar.text
    }

    /// A non-empty string.
    public func nonEmptyString() throws(ConfigError) -> String {
        let text = try string()
        guard !text.trimmingBlanks().isEmpty else { throw error("must not be empty") }
        return text
    }

    /// An integer within `range`; the message names the range, e.g. `must be 1-65535, got 70000`.
    public func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let scalar, scalar.plain, let value = Int(scalar.text) else {
            throw error("must be an integer \(range.lowerBound)-\(range.upperBound), got \(quotedValue)")
        }
        guard range.contains(value) else {
            throw error("must be \(range.lowerBound)-\(range.upperBound), got \(scalar.text)")
        }
        return value
    }

    /// `true` or `false` (YAML 1.1's yes/no/on/off are refused: they surprise people).
    public func bool() throws(ConfigError) -> Bool {
        guard let scalar, scalar.plain else {
            throw error("must be true or false, got \(quotedValue)")
        }
        switch scalar.text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw error("must be true or false, got \(quotedValue)")
        }
    }

    /// A Prometheus duration such as `500ms` or `1m30s`.
    public func duration() throws(ConfigError) -> PrometheusDuration {
        let text = try string()
        guard let duration = PrometheusDuration(text) else {
            throw error("must be a duration like 500ms, 10s or 1m30s, got \(quotedValue)")
        }
        return duration
    }

    // MARK: - Collections

    /// The node as a list of child nodes (`path[i]`).
    public func list() throws(ConfigError) -> [ConfigNode] {
        if isNull { return [] }
        guard case let .sequence(sequence, _) = node else { throw error("must be a list, got \(quotedValue)") }
        return sequence.enumerated().map { index, child in
            ConfigNode(node: child, path: "\(path)[\(index)]", file: file)
        }
    }

    /// The node as a mapping whose keys must all be in `allowedKeys`; the first unknown key is an
    /// error positioned at that key.
    public func mapping(allowedKeys: Set<String>) throws(ConfigError) -> ConfigMapping {
        let mapping = try anyMapping()
        for (key, _) in mapping.entries where !allowedKeys.contains(key.string) {
            let known = allowedKeys.sorted().joined(separator: ", ")
            throw key.node.error("unknown key \"\(key.string)\" (known keys: \(known))")
        }
        return mapping
    }

    /// The node as a mapping with arbitrary keys (labels, user tables, module names).
    public func anyMapping() throws(ConfigError) -> ConfigMapping {
        if isNull { return ConfigMapping(entries: [], owner: self) }
        guard case let .mapping(mapping, _) = node else { throw error("must be a mapping, got \(quotedValue)") }
        var entries: [(key: ConfigKey, value: ConfigNode)] = []
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            let keyPath = ConfigNode(node: keyNode, path: path, file: file)
            guard let name = keyPath.scalar?.text else { throw keyPath.error("keys must be strings") }
            guard seen.insert(name).inserted else { throw keyPath.error("duplicate key \"\(name)\"") }
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            entries.append((ConfigKey(string: name, node: ConfigNode(node: keyNode, path: childPath, file: file)),
                            ConfigNode(node: valueNode, path: childPath, file: file)))
        }
        return ConfigMapping(entries: entries, owner: self)
    }
}

/// A mapping key with its own position (unknown-key errors point at the key, not the value).
public struct ConfigKey {
    public let string: String
    public let node: ConfigNode
}

/// A YAML mapping read through `ConfigNode`, keeping key order as written.
public struct ConfigMapping {
    public let entries: [(key: ConfigKey, value: ConfigNode)]
    let owner: ConfigNode

    /// The value under `key`, or nil when the key is absent or explicitly null.
    public subscript(key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key.string == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// The value under `key`, or an error positioned at the mapping when it is missing.
    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let value = self[key] else { throw owner.error("missing required key \"\(key)\"") }
        return value
    }
}
