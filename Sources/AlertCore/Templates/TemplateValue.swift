/// A value inside template execution, standing for the Go value Prometheus would have there
/// (`map[string]string` labels, `float64` value, untyped constants as `int`/`float64`).
enum TemplateValue: Sendable, Equatable {
    case string(String)
    case float(Double)
    case int(Int)
    case bool(Bool)
    /// `map[string]string` (`$labels`, `$externalLabels`).
    case labels([String: String])
    /// The data passed to the template (Prometheus's anonymous struct).
    case data(TemplateData)
    /// An untyped nil / missing value (prints `<no value>`).
    case missing

    /// Go's type name, for error messages (`%!d(float64=1.5)`).
    var goType: String {
        switch self {
        case .string: "string"
        case .float: "float64"
        case .int: "int"
        case .bool: "bool"
        case .labels: "map[string]string"
        case .data: "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"
        case .missing: "<nil>"
        }
    }

    /// Go's truth: false, 0, "", empty map and nil are false (`text/template` `isTrue`).
    var isTrue: Bool {
        switch self {
        case let .string(text): !text.isEmpty
        case let .float(value): value != 0
        case let .int(value): value != 0
        case let .bool(value): value
        case let .labels(map): !map.isEmpty
        case .data: true
        case .missing: false
        }
    }

    /// `fmt.Sprint(value)` / `%v`.
    var goDescription: String {
        switch self {
        case let .string(text): text
        case let .float(value): GoFloat.format(value, "g", precision: -1)
        case let .int(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case let .labels(map): Self.describe(map)
        case let .data(data):
            "{\(Self.describe(data.labels)) \(Self.describe(data.externalLabels)) \(data.externalURL) \(GoFloat.format(data.value, "g", precision: -1))}"
        case .missing: "<nil>"
        }
    }

    /// Go prints maps with sorted keys: `map[a:b c:d]`.
    static func describe(_ map: [String: String]) -> String {
        "map[" + map.keys.sorted().map { "\($0):\(map[$0]!)" }.joined(separator: " ") + "]"
    }
}
