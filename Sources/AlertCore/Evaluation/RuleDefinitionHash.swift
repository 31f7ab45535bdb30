extension RuleDefinition {
    /// A fingerprint of everything that decides the rule's alerts: for an alerting rule its name,
    /// `expr`, `for`, `keep_firing_for`, `labels` and `annotations`; for a recording rule its name,
    /// `expr` and `labels`. 16 hex digits of XXH64 over a canonical encoding (fields separated by
    /// 0xFF, maps sorted by key), so it is the same in every process and across restarts — what
    /// ``RuleStateKey/definitionHash`` needs for state kept in a file. The file and line are not
    /// part of it: moving a rule within its file keeps its state.
    public var definitionHash: String {
        var bytes: [UInt8] = []
        func field(_ text: String) {
            bytes += Array(text.utf8)
            bytes.append(0xFF)
        }
        func map(_ values: [String: String]) {
            field(String(values.count))
            for key in values.keys.sorted() {
                field(key)
                field(values[key]!)
            }
        }
        switch self {
        case let .alerting(rule):
            field("alert")
            field(rule.name)
            field(rule.expression)
            field(String(rule.holdDuration))
            field(String(rule.keepFiringFor))
            map(rule.labels)
            map(rule.annotations)
        case let .recording(rule):
            field("record")
            field(rule.name)
            field(rule.expression)
            map(rule.labels)
        }
        let hash = String(XXHash64.hash(bytes), radix: 16)
        return String(repeating: "0", count: 16 - hash.count) + hash
    }
}

extension RuleGroupDefinition {
    /// The state key of every rule of the group, in file order: file, group, rule name, its
    /// position among the group's rules of the same name (0 for the first), and its
    /// ``RuleDefinition/definitionHash``. Prometheus's `Group.CopyState` (`rules/group.go`) matches
    /// rules by name and labels in the same order-of-appearance way; we also require the
    /// definition to be unchanged, so an edited rule starts without state.
    public var ruleStateKeys: [RuleStateKey] {
        var seen: [String: Int] = [:]
        return rules.map { rule in
            let ordinal = seen[rule.name, default: 0]
            seen[rule.name] = ordinal + 1
            return RuleStateKey(file: file, group: name, rule: rule.name, ordinal: ordinal,
                                definitionHash: rule.definitionHash)
        }
    }
}
