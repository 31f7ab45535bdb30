/// ``RuleEvaluating`` over the real ``RuleManager``, driven with a virtual clock: each call
/// evaluates one group at the given time (`evaluateGroup(file:name:at:)`) and reads every rule's
/// alerts, health and last error back from `groupStatuses()`.
public struct RuleManagerEvaluator: RuleEvaluating {
    public let manager: RuleManager

    public init(manager: RuleManager) {
        self.manager = manager
    }

    public func evaluate(_ group: RuleGroupDefinition, at time: Double) async -> [RuleEvaluation] {
        await manager.evaluateGroup(file: group.file, name: group.name, at: time)
        guard let status = await manager.groupStatuses().first(where: {
            $0.definition.file == group.file && $0.definition.name == group.name
        }) else { return [] }
        return status.rules.map { rule in
            RuleEvaluation(rule: rule.definition, alerts: rule.alerts, error: rule.health == .err ? rule.lastError ?? "error" : nil)
        }
    }
}

/// The real ``RuleEvaluatorFactory``: a fresh ``RuleManager`` per test group or replay, and the
/// rule files read by `loadRuleFiles` (the rule-file loader).
public struct RuleManagerEvaluatorFactory: RuleEvaluatorFactory {
    public let loadRuleFiles: @Sendable ([String]) throws -> [RuleGroupDefinition]
    /// `evaluation_interval` for groups without their own (it does not change when a test
    /// evaluates, only what the status reports).
    public let evaluationInterval: Double

    public init(evaluationInterval: Double = 60, loadRuleFiles: @escaping @Sendable ([String]) throws -> [RuleGroupDefinition]) {
        self.evaluationInterval = evaluationInterval
        self.loadRuleFiles = loadRuleFiles
    }

    public func loadGroups(files: [String]) throws -> [RuleGroupDefinition] {
        try loadRuleFiles(files)
    }

    public func makeEvaluator(groups: [RuleGroupDefinition], datasource: any Datasource, externalLabels: [String: String],
                              externalURL: String) -> any RuleEvaluating {
        let options = RuleManagerOptions(evaluationInterval: evaluationInterval, externalLabels: externalLabels, externalURL: externalURL)
        return RuleManagerEvaluator(manager: RuleManager(groups: groups, datasource: datasource, options: options))
    }
}
