/// Where the rule manager sends alert state changes: the state store commits each call in one
/// transaction (issue 9: "one transaction per evaluation round that changed something").
public protocol AlertStateSink: Sendable {
    /// Called after a group round that changed something (and after a reload that dropped or
    /// added rules' state), with the FULL alert list of every rule whose alerts changed, keyed by
    /// the rule's state key; an empty list means the rule has no alerts now (or no longer exists).
    /// Calls come one at a time, in the order the rounds finished.
    func commit(changes: [RuleStateKey: [AlertInstance]]) async
}
