/// What a rule's label and annotation templates can see: `$labels` (`.Labels`), `$value`
/// (`.Value`), `$externalLabels` (`.ExternalLabels`), `$externalURL` (`.ExternalURL`) — the data
/// Prometheus gives them (`template/template.go`, `rules/alerting.go`).
public struct TemplateData: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
    public var externalLabels: [String: String]
    public var externalURL: String

    public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:], externalURL: String = "") {
        self.labels = labels
        self.value = value
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }
}
