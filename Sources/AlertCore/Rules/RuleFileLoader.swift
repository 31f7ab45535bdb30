import FoundationEssentials
import VandineCore

/// What loading rule files produced: the groups in file order and warnings (recording rules,
/// which alertmanager-lite lists but does not evaluate).
public struct LoadedRules: Sendable, Equatable {
    public var groups: [RuleGroupDefinition]
    /// One line each, naming the file, line and rule.
    public var warnings: [String]
    /// The rule files read, in order (after glob expansion).
    public var files: [String]

    public init(groups: [RuleGroupDefinition] = [], warnings: [String] = [], files: [String] = []) {
        self.groups = groups
        self.warnings = warnings
        self.files = files
    }
}

/// Reads Prometheus rule files (`rulefmt` of Prometheus 2.42: `groups:` with `name`, `interval`,
/// `limit`, `rules:` of `alert`|`record`, `expr`, `for`, `keep_firing_for`, `labels`,
/// `annotations`) and rejects what Prometheus rejects, with `file:line:column: key.path: reason`.
/// It is stricter in places Prometheus only lints or allows: duplicate rules (promtool's
/// duplicate-rules lint), `query_offset` (newer than 2.42 and not evaluated here) and templates
/// using the `query` family.
public enum RuleFileLoader {
    static let fileKeys: Set<String> = ["groups"]
    static let groupKeys: Set<String> = ["name", "interval", "limit", "rules"]
    static let ruleKeys: Set<String> = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// Expands `rule_files` patterns (Go `filepath.Glob` syntax: `*`, `?`, `[…]`) relative to
    /// `baseDirectory` (the config file's folder; "" for the working directory), each pattern's
    /// matches sorted, duplicates dropped. A pattern that matches nothing yields nothing, as in
    /// Prometheus; a malformed pattern is an error.
    public static func expand(patterns: [String], baseDirectory: String, configFile: String) throws(ConfigError) -> [String] {
        var files: [String] = []
        var seen = Set<String>()
        for (index, pattern) in patterns.enumerated() {
            let resolved = pattern.hasPrefix("/") || baseDirectory.isEmpty ? pattern : baseDirectory + "/" + pattern
            guard let matches = FileGlob.matches(resolved) else {
                throw ConfigError(file: configFile, line: nil, column: nil, path: "rule_files[\(index)]",
                                  message: "bad glob pattern \(GoQuoting.quote(pattern))")
            }
            for match in matches where seen.insert(match).inserted { files.append(match) }
        }
        return files
    }

    /// Loads every file of `files`; the first problem is thrown.
    public static func load(files: [String]) throws(ConfigError) -> LoadedRules {
        var loaded = LoadedRules(files: files)
        for file in files {
            let one = try load(path: file)
            loaded.groups += one.groups
            loaded.warnings += one.warnings
        }
        return loaded
    }

    /// Loads one rule file; errors name it as `path` was given.
    public static func load(path: String) throws(ConfigError) -> LoadedRules {
        let text: String
        do {
            text = try ConfigFile.read(path: path).text
        } catch {
            throw ConfigError(file: path, line: error.line, column: error.column, path: error.path, message: error.message)
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses rule-file YAML; `file` names it in errors and in the definitions.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> LoadedRules {
        let root = try ConfigNode.parse(yaml: yaml, file: file).mapping(allowedKeys: fileKeys)
        var loaded = LoadedRules(files: [file])
        var groupLines: [String: Int] = [:]
        // promtool's duplicate-rules lint works on the whole file: same name and same labels.
        var ruleLines: [RuleIdentity: (path: String, line: Int)] = [:]
        for groupNode in try root["groups"]?.list() ?? [] {
            let map = try groupNode.mapping(allowedKeys: groupKeys.union(["query_offset"]))
            if let offset = map.entries.first(where: { $0.key.string == "query_offset" }) {
                throw offset.key.node.error("query_offset is not supported (Prometheus 2.42's rule format has no such key)")
            }
            let nameNode = try map.required("name")
            let name = try nameNode.string()
            guard !name.isEmpty else { throw nameNode.error("group name must not be empty") }
            if let first = groupLines[name] {
                throw nameNode.error("group name \(GoQuoting.quote(name)) is repeated in the same file (first at line \(first))")
            }
            groupLines[name] = line(of: nameNode)
            var group = RuleGroupDefinition(name: name, file: file, rules: [])
            if let interval = map["interval"] {
                let seconds = try interval.duration().seconds
                group.interval = seconds > 0 ? seconds : nil
            }
            // Prometheus applies a limit only when it is > 0; a negative one means none.
            if let limit = map["limit"] { group.limit = max(0, try limit.int(in: Int(Int32.min)...Int(Int32.max))) }
            for ruleNode in try map["rules"]?.list() ?? [] {
                let (rule, identity, keyNode) = try parseRule(ruleNode, file: file)
                if let first = ruleLines[identity] {
                    throw keyNode.error("duplicate rule \(GoQuoting.quote(rule.name)) with the same labels as \(first.path) (line \(first.line))")
                }
                ruleLines[identity] = (ruleNode.path, line(of: keyNode))
                if case let .recording(recording) = rule {
                    loaded.warnings.append("\(file):\(recording.line): group \(GoQuoting.quote(name)): recording rule \(GoQuoting.quote(recording.name)) is not evaluated (Prometheus evaluates recording rules; alertmanager-lite evaluates alerting rules only)")
                }
                group.rules.append(rule)
            }
            loaded.groups.append(group)
        }
        return loaded
    }

    /// Same rule name and same labels (promtool's duplicate-rules lint).
    struct RuleIdentity: Hashable {
        var name: String
        var labels: [String: String]
    }

    static func line(of node: ConfigNode) -> Int { node.error("").line ?? 0 }

    static func parseRule(_ node: ConfigNode, file: String) throws(ConfigError) -> (RuleDefinition, RuleIdentity, ConfigNode) {
        let map = try node.mapping(allowedKeys: ruleKeys)
        let alertNode = map["alert"]
        let recordNode = map["record"]
        let alert = try alertNode?.string() ?? ""
        let record = try recordNode?.string() ?? ""
        if !alert.isEmpty && !record.isEmpty {
            throw node.error("only one of 'record' and 'alert' must be set")
        }
        if alert.isEmpty && record.isEmpty {
            throw (alertNode ?? recordNode ?? node).error("one of 'record' or 'alert' must be set")
        }
        guard let exprNode = map["expr"], case let expression = try exprNode.string(), !expression.trimmingBlanks().isEmpty else {
            throw (map["expr"] ?? node).error("field 'expr' must be set in rule")
        }
        let holdDuration = try map["for"].map { node throws(ConfigError) in try node.duration().seconds } ?? 0
        let keepFiringFor = try map["keep_firing_for"].map { node throws(ConfigError) in try node.duration().seconds } ?? 0
        let labels = try labelMap(map["labels"], what: "label")
        let keyNode = (alert.isEmpty ? recordNode : alertNode)!
        let identity = RuleIdentity(name: alert.isEmpty ? record : alert, labels: labels)
        let ruleLine = line(of: keyNode)

        if !record.isEmpty {
            if let annotations = map["annotations"], !(try annotations.anyMapping().entries.isEmpty) {
                throw annotations.error("invalid field 'annotations' in recording rule")
            }
            if holdDuration != 0 { throw map["for"]!.error("invalid field 'for' in recording rule") }
            if keepFiringFor != 0 { throw map["keep_firing_for"]!.error("invalid field 'keep_firing_for' in recording rule") }
            guard isValidMetricName(record) else {
                throw keyNode.error("invalid recording rule name: \(record) (must match [a-zA-Z_:][a-zA-Z0-9_:]*)")
            }
            let rule = RecordingRuleDefinition(name: record, expression: expression, labels: labels, file: file, line: ruleLine)
            return (.recording(rule), identity, keyNode)
        }
        let annotations = try labelMap(map["annotations"], what: "annotation")
        // Templates are checked at load, as promtool does (labels and annotations of alerting rules).
        let templateName = AlertTemplate.name(forAlert: alert)
        for (section, values) in [("labels", labels), ("annotations", annotations)] {
            guard let sectionNode = map[section] else { continue }
            for (key, value) in try sectionNode.anyMapping().entries {
                do {
                    _ = try AlertTemplate(parsing: values[key.string] ?? "", name: templateName)
                } catch {
                    throw value.error("\(section == "labels" ? "label" : "annotation") \(GoQuoting.quote(key.string)): \(error.message)")
                }
            }
        }
        let rule = AlertingRuleDefinition(name: alert, expression: expression, holdDuration: holdDuration, keepFiringFor: keepFiringFor,
                                          labels: labels, annotations: annotations, file: file, line: ruleLine)
        return (.alerting(rule), identity, keyNode)
    }

    /// `labels:` / `annotations:` — names must be valid label names (`__name__` not as a label).
    static func labelMap(_ node: ConfigNode?, what: String) throws(ConfigError) -> [String: String] {
        guard let node else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in try node.anyMapping().entries {
            guard ConfigLoader.isValidLabelName(key.string), !(what == "label" && key.string == "__name__") else {
                throw key.node.error("invalid \(what) name: \(GoQuoting.quote(key.string)) (must match [a-zA-Z_][a-zA-Z0-9_]*)")
            }
            out[key.string] = value.isNull ? "" : try value.string()
        }
        return out
    }

    /// Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        func isStart(_ byte: UInt8) -> Bool {
            (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
        guard let first = name.utf8.first, isStart(first) else { return false }
        return name.utf8.allSatisfy { isStart($0) || ($0 >= 48 && $0 <= 57) }
    }
}
