/// What the rule manager needs from the configuration (the config loader fills it).
public struct RuleManagerOptions: Sendable, Equatable {
    /// `global.evaluation_interval` in seconds: the interval of groups without their own (> 0).
    public var evaluationInterval: Double
    /// `external_labels`: what templates see as `$externalLabels`.
    public var externalLabels: [String: String]
    /// The URL we are reachable at: what templates see as `$externalURL`.
    public var externalURL: String
    /// `down_alert_after` in seconds: how long the datasource must fail before
    /// `AlertmanagerLiteDatasourceDown` fires (default 120).
    public var datasourceDownAlertAfter: Double
    /// The datasource URL shown in that alert's description (credentials are removed).
    public var datasourceURL: String

    public init(evaluationInterval: Double = 60, externalLabels: [String: String] = [:], externalURL: String = "",
                datasourceDownAlertAfter: Double = 120, datasourceURL: String = "") {
        self.evaluationInterval = evaluationInterval
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.datasourceDownAlertAfter = datasourceDownAlertAfter
        self.datasourceURL = datasourceURL
    }
}
