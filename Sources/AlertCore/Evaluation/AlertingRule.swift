/// The state machine of one alerting rule: its alert instances and how one query result moves
/// them, exactly as Prometheus's `AlertingRule.Eval` does (`rules/alerting.go`, 2.42+ with
/// `keep_firing_for`):
///
/// - Identity: the sample's labels minus `__name__`, then each rule label set to its expanded
///   template (a template expanding to "" removes the label, as `labels.Builder.Set` does), then
///   `alertname`. Templates see the sample's full labels (`$labels`, with `__name__`), `$value`,
///   `$externalLabels`, `$externalURL`; a failing template gives `<error expanding template: …>`.
/// - Two samples with the same identity: the evaluation fails, nothing changes.
/// - A new identity (or one whose previous instance has resolved) becomes pending with
///   `activeAt` = the evaluation time; an existing pending/firing one gets the new value and
///   annotations.
/// - Pending fires when `time − activeAt ≥ for` (inclusive: `for: 0` fires in the same evaluation).
/// - Missing from the result: a pending instance is deleted; a firing one resolves
///   (`resolvedAt` = time, state inactive) unless `keep_firing_for` holds it — `keepFiringSince`
///   is set at the first evaluation that missed it and it stays firing while
///   `time − keepFiringSince < keep_firing_for`; it is cleared when the series returns.
/// - A resolved instance is kept `resolvedRetention` (15 min) and deleted at the first evaluation
///   after that (`time − resolvedAt > 15 min`, strict, as Prometheus).
/// - More pending + firing instances than `limit` (> 0): every instance of the rule is dropped and
///   the evaluation fails.
///
/// A failed query never reaches this type: the caller leaves the state as it was (Prometheus does
/// too within `Eval`; its false "resolved" comes from alerts expiring in Alertmanager).
public struct AlertingRule: Sendable {
    /// How long a resolved instance is kept (Prometheus's `resolvedRetention`), in seconds.
    public static let resolvedRetention: Double = 15 * 60

    public let definition: AlertingRuleDefinition
    /// The instances (pending, firing, and resolved ones within retention) by identity labels.
    public private(set) var instances: [[String: String]: AlertInstance]

    private let labelTemplates: [(name: String, template: Result<AlertTemplate, TemplateError>)]
    private let annotationTemplates: [(name: String, template: Result<AlertTemplate, TemplateError>)]

    /// A rule with the given instances (restored state; instances with equal labels: the last wins).
    /// Templates are parsed once here; one that does not parse expands to its error every time.
    public init(definition: AlertingRuleDefinition, restoring restored: [AlertInstance] = []) {
        self.definition = definition
        let templateName = "__alert_" + definition.name
        func parse(_ map: [String: String]) -> [(name: String, template: Result<AlertTemplate, TemplateError>)] {
            map.keys.sorted().map { key in
                (key, Result { () throws(TemplateError) in try AlertTemplate(parsing: map[key]!, name: templateName) })
            }
        }
        labelTemplates = parse(definition.labels)
        annotationTemplates = parse(definition.annotations)
        var instances: [[String: String]: AlertInstance] = [:]
        for instance in restored { instances[instance.labels] = instance }
        self.instances = instances
    }

    /// The instances sorted by their labels (a stable order for APIs, stores and tests).
    public var alerts: [AlertInstance] {
        instances.values.sorted { AlertInstance.labelOrder($0.labels, $1.labels) }
    }

    /// Applies one successful query result evaluated at `time` (Unix seconds).
    ///
    /// - Parameters:
    ///   - limit: the group's `limit` (0: none).
    ///   - externalLabels, externalURL: what templates see as `$externalLabels` / `$externalURL`.
    /// - Returns: whether anything persisted changed (an instance added, removed, or its state,
    ///   value, annotations or timers changed; `lastEvaluatedAt` alone does not count).
    /// - Throws: ``RuleEvaluationError/duplicateLabelSet`` (nothing changed) or
    ///   ``RuleEvaluationError/limitExceeded(limit:alerts:)`` (every instance dropped).
    @discardableResult
    public mutating func apply(_ samples: [Sample], at time: Double, limit: Int = 0,
                               externalLabels: [String: String] = [:],
                               externalURL: String = "") throws(RuleEvaluationError) -> Bool {
        var fresh: [[String: String]: AlertInstance] = [:]
        fresh.reserveCapacity(samples.count)
        for sample in samples {
            let data = TemplateData(labels: sample.labels, value: sample.value,
                                    externalLabels: externalLabels, externalURL: externalURL)
            var labels = sample.labels
            labels.removeValue(forKey: "__name__")
            for (name, template) in labelTemplates {
                let value = Self.expand(template, data)
                if value.isEmpty { labels.removeValue(forKey: name) } else { labels[name] = value }
            }
            labels["alertname"] = definition.name
            var annotations: [String: String] = [:]
            for (name, template) in annotationTemplates {
                annotations[name] = Self.expand(template, data)
            }
            guard fresh[labels] == nil else { throw .duplicateLabelSet }
            fresh[labels] = AlertInstance(labels: labels, annotations: annotations, state: .pending,
                                          value: sample.value, activeAt: time, lastEvaluatedAt: time)
        }

        var changed = false
        for (labels, new) in fresh {
            if var existing = instances[labels], existing.state != .inactive {
                if existing.value.bitPattern != new.value.bitPattern || existing.annotations != new.annotations {
                    changed = true
                }
                existing.value = new.value
                existing.annotations = new.annotations
                existing.lastEvaluatedAt = time
                instances[labels] = existing
            } else {
                instances[labels] = new
                changed = true
            }
        }

        var activeCount = 0
        for (labels, var alert) in instances {
            let before = alert
            if fresh[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && definition.keepFiringFor > 0 {
                    if alert.keepFiringSince == nil { alert.keepFiringSince = time }
                    if time - alert.keepFiringSince! < definition.keepFiringFor { keepFiring = true }
                }
                if alert.state == .pending
                    || (alert.resolvedAt.map { time - $0 > Self.resolvedRetention } ?? false) {
                    instances.removeValue(forKey: labels)
                    changed = true
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                if !keepFiring {
                    if !alert.persistedEqual(before) {
                        changed = true
                        instances[labels] = alert
                    }
                    continue
                }
            } else {
                alert.keepFiringSince = nil
            }
            activeCount += 1
            if alert.state == .pending && time - alert.activeAt >= definition.holdDuration {
                alert.state = .firing
                alert.firedAt = time
            }
            if !alert.persistedEqual(before) { changed = true }
            instances[labels] = alert
        }

        if limit > 0 && activeCount > limit {
            instances = [:]
            throw .limitExceeded(limit: limit, alerts: activeCount)
        }
        return changed
    }

    /// Sets the annotations of every pending or firing instance (for synthetic rules whose
    /// annotations are not templates, such as the datasource-down alert). Returns whether any changed.
    @discardableResult
    mutating func setActiveAnnotations(_ annotations: [String: String]) -> Bool {
        var changed = false
        for (labels, alert) in instances where alert.state != .inactive && alert.annotations != annotations {
            instances[labels]!.annotations = annotations
            changed = true
        }
        return changed
    }

    private static func expand(_ template: Result<AlertTemplate, TemplateError>, _ data: TemplateData) -> String {
        do {
            return try template.get().expand(data)
        } catch {
            return "<error expanding template: \(error.message)>"
        }
    }
}

extension AlertInstance {
    /// Equal in everything the state store keeps except `lastEvaluatedAt`; values compare by bit
    /// pattern so that NaN equals NaN.
    public func persistedEqual(_ other: AlertInstance) -> Bool {
        labels == other.labels && annotations == other.annotations && state == other.state
            && value.bitPattern == other.value.bitPattern && activeAt == other.activeAt && firedAt == other.firedAt
            && resolvedAt == other.resolvedAt && keepFiringSince == other.keepFiringSince
    }

    /// A total order on label sets: by the sorted `name=value` pairs, compared pair by pair.
    public static func labelOrder(_ a: [String: String], _ b: [String: String]) -> Bool {
        let left = a.sorted { $0.key < $1.key }, right = b.sorted { $0.key < $1.key }
        for (l, r) in zip(left, right) {
            if l.key != r.key { return l.key < r.key }
            if l.value != r.value { return l.value < r.value }
        }
        return left.count < right.count
    }
}
