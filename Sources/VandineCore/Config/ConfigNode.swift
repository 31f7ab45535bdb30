import Foundation
import Yams

/// A YAML node together with where it came from, so every conversion error can name the file,
/// line, column and key path. Yams' Codable decoder loses positions and silently ignores unknown
/// keys, so configuration is read through this small reader instead.
public struct ConfigNode {
    let node: Node
    /// Key path of this node, e.g. `devices[2].ssh`.
    public let path: String
    /// The file name used in error messages.
    public let file: String

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    /// Parses a YAML document. An empty document yields an empty mapping.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ConfigNode {
        do {
            let root = try Yams.compose(yaml: yaml) ?? Node.mapping(.init([]))
            return ConfigNode(node: root, path: "", file: file)
        } catch let error as YamlError {
            throw ConfigNode.error(from: error, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, column: nil, path: "", message: "cannot parse YAML: \(error)")
        }
    }

    private static func error(from error: YamlError, file: String) -> ConfigError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(problem)")
        case let .reader(problem, offset, _, yaml):
            // libyaml's reader (e.g. "control characters are not allowed") gives an offset in
            // characters, and Yams' own description of it is a multi-line snippet.
            guard let offset else {
                return ConfigError(file: file, line: nil, column: nil, path: "", message: "invalid YAML: \(problem)")
            }
            let lines = yaml.prefix(offset).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            return ConfigError(file: file, line: lines.count, column: (lines.last?.unicodeScalars.count ?? 0) + 1,
                               path: "", message: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let mark = context.mark
            return ConfigError(file: file, line: mark.line, column: mark.column, path: "",
                               message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        default:
            return ConfigError(file: file, line: nil, column: nil, path: "", message: "invalid YAML: \(error)")
        }
    }

    // MARK: - Errors

    /// An error positioned at this node.
    public func error(_ message: String) -> ConfigError {
        let mark = node.mark
        return ConfigError(file: file, line: mark?.line, column: mark?.column, path: path, message: message)
    }

    /// How a scalar appears in error messages: quoted when it holds spaces or is empty.
    var quotedValue: String {
        guard let text = node.scalar?.string else {
            switch node {
            case .mapping: return "a mapping"
            case .sequence: return "a list"
            default: return "an alias"
            }
        }
        let needsQuotes = text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == ":" })
        return needsQuotes ? "\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\"" : text
    }

    /// True for `~`, `null` and an empty scalar: YAML's ways of writing "no value".
    public var isNull: Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    // MARK: - Scalars

    /// The node as a string; mappings and lists are rejected.
    public func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar, !isNull else {
            throw error("must be a string, got \(isNull ? "nothing" : quotedValue)")
        }
        return scalar.string
    }

    /// A non-empty string.
    public func nonEmptyString() throws(ConfigError) -> String {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw error("must not be empty") }
        return text
    }

    /// An integer within `range`; the message names the range, e.g. `must be 1-65535, got 70000`.
    public func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string) else {
            throw error("must be an integer \(range.lowerBound)-\(range.upperBound), got \(quotedValue)")
        }
        guard range.contains(value) else {
            throw error("must be \(range.lowerBound)-\(range.upperBound), got \(scalar.string)")
        }
        return value
    }

    /// `true` or `false` (YAML 1.1's yes/no/on/off are refused: they surprise people).
    public func bool() throws(ConfigError) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else {
            throw error("must be true or false, got \(quotedValue)")
        }
        switch scalar.string {
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
        guard case let .sequence(sequence) = node else { throw error("must be a list, got \(quotedValue)") }
        return sequence.enumerated().map { index, child in
            ConfigNode(node: child, path: "\(path)[\(index)]", file: file)
        }
    }

    /// A list of strings.
    public func stringList() throws(ConfigError) -> [String] {
        var result: [String] = []
        for item in try list() { result.append(try item.nonEmptyString()) }
        return result
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
        guard case let .mapping(mapping) = node else { throw error("must be a mapping, got \(quotedValue)") }
        var entries: [(key: ConfigKey, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            let keyPath = ConfigNode(node: keyNode, path: path, file: file)
            guard let name = keyNode.scalar?.string else { throw keyPath.error("keys must be strings") }
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            entries.append((ConfigKey(string: name, node: ConfigNode(node: keyNode, path: childPath, file: file)),
                            ConfigNode(node: valueNode, path: childPath, file: file)))
        }
        return ConfigMapping(entries: entries, owner: self)
    }

    /// A mapping of string to string (labels).
    public func stringMap() throws(ConfigError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in try anyMapping().entries { result[key.string] = try value.string() }
        return result
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
