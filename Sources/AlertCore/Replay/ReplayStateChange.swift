/// One alert changing state during a replay.
public struct ReplayStateChange: Sendable, Equatable {
    /// The evaluation's Unix time, in seconds.
    public var time: Double
    public var group: String
    public var rule: String
    /// The alert's identity labels (with `alertname`).
    public var labels: [String: String]
    /// `inactive` for an alert that was not there before.
    public var from: AlertState
    /// `inactive` when a pending alert disappears or a firing one resolves.
    public var to: AlertState
    /// The sample value that drove it (the last one seen, for an alert that disappeared).
    public var value: Double
    /// Set when the alert is firing only because `keep_firing_for` holds it (its expression no
    /// longer returns it): the Unix time that started.
    public var keepFiringSince: Double?

    public init(time: Double, group: String, rule: String, labels: [String: String], from: AlertState, to: AlertState,
                value: Double, keepFiringSince: Double? = nil) {
        self.time = time
        self.group = group
        self.rule = rule
        self.labels = labels
        self.from = from
        self.to = to
        self.value = value
        self.keepFiringSince = keepFiringSince
    }

    /// One line: `2026-11-29T18:03:00Z nodes NodeDown {alertname="NodeDown", instance="pi0"} pending -> firing value=0`.
    public var line: String {
        var text = "\(RFC3339Time.format(time)) \(group) \(rule) \(GoText.labels(labels)) \(from.rawValue) -> \(to.rawValue) value=\(GoText.value(value))"
        if let keepFiringSince { text += " (kept firing by keep_firing_for since \(RFC3339Time.format(keepFiringSince)))" }
        return text
    }
}
