/// The probers a module can use. ONE list: the config validates against it and the exporter maps
/// each case to exactly one prober implementation.
public enum ProberKind: String, Sendable, CaseIterable, Codable {
    /// TCP connect, optionally reading a banner and matching it against a regular expression.
    case tcp

    /// The names, for error messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
