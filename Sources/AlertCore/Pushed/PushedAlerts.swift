import Logging
import Synchronization

/// The alerts pushed through `POST /api/v2/alerts`, kept with Alertmanager's semantics
/// (`api/v2/api.go` postAlertsHandler and `provider/mem`): a missing `startsAt` is the time of
/// receipt, a missing `endsAt` is receipt + `resolve_timeout` (and may be extended by later
/// pushes), an `endsAt` in the past means resolved, and an alert received again is merged with
/// the one of the same label-set fingerprint when their activity ranges overlap. Written through
/// to the ``AlertStateStore`` so pushed alerts survive restarts.
public final class PushedAlerts: Sendable {
    /// Alertmanager's `resolve_timeout` default: 5 minutes.
    public static let defaultResolveTimeout = 300.0
    /// Resolved alerts are dropped this long after their end (Alertmanager's `--alerts.gc-interval`, 30 minutes).
    public static let defaultRetention = 1800.0

    public let resolveTimeout: Double
    public let retention: Double
    private let store: AlertStateStore?
    private let logger: Logger
    private let alerts: Mutex<[String: PushedAlert]>

    /// Loads the stored pushed alerts from `store` (none when it is nil or cannot be read).
    public init(store: AlertStateStore?, resolveTimeout: Double = defaultResolveTimeout,
                retention: Double = defaultRetention, logger: Logger) {
        self.store = store
        self.resolveTimeout = resolveTimeout
        self.retention = retention
        self.logger = logger
        var loaded: [String: PushedAlert] = [:]
        do {
            for alert in try store?.loadPushedAlerts() ?? [] { loaded[alert.fingerprint] = alert }
        } catch {
            logger.error("cannot read pushed alerts from the state file", metadata: ["err": "\(error)"])
        }
        alerts = Mutex(loaded)
    }

    /// One alert as a client posts it: every field as received, times already parsed (nil when absent).
    public struct Posted: Sendable, Equatable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Double?
        public var endsAt: Double?
        public var generatorURL: String

        public init(labels: [String: String], annotations: [String: String] = [:], startsAt: Double? = nil,
                    endsAt: Double? = nil, generatorURL: String = "") {
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.generatorURL = generatorURL
        }
    }

    /// Receives a batch at `now` (Unix seconds). Valid alerts are stored even when others in the
    /// batch are not (Alertmanager's "best effort").
    /// - Returns: the validation errors in Alertmanager's words, one per rejected alert (empty: all
    ///   accepted). The HTTP layer answers 400 with them joined by "; ".
    @discardableResult
    public func receive(_ batch: [Posted], now: Double) -> [String] {
        var errors: [String] = []
        var accepted: [PushedAlert] = []
        for posted in batch {
            var alert = PushedAlert(labels: posted.labels.filter { !$0.value.isEmpty }, annotations: posted.annotations,
                                    startsAt: posted.startsAt ?? posted.endsAt ?? now, endsAt: posted.endsAt ?? 0,
                                    updatedAt: now, generatorURL: posted.generatorURL)
            if posted.endsAt == nil {
                alert.timeout = true
                alert.endsAt = now + resolveTimeout
            }
            if let error = Self.validationError(alert) {
                errors.append(error)
            } else {
                accepted.append(alert)
            }
        }
        let stored = alerts.withLock { current -> [PushedAlert] in
            var stored: [PushedAlert] = []
            for var alert in accepted {
                let fingerprint = alert.fingerprint
                if let old = current[fingerprint],
                   (alert.endsAt > old.startsAt && alert.endsAt < old.endsAt)
                    || (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt) {
                    // Overlapping activity ranges: the same alert again (provider/mem Put).
                    alert = old.merged(with: alert, now: now)
                }
                current[fingerprint] = alert
                stored.append(alert)
            }
            return stored
        }
        do {
            try store?.savePushedAlerts(stored)
        } catch {
            logger.error("cannot store pushed alerts; they are kept in memory", metadata: ["err": "\(error)"])
        }
        return errors
    }

    /// Every pushed alert not yet dropped, resolved ones included, sorted by fingerprint. Drops
    /// (and deletes from the store) alerts that resolved more than ``retention`` ago.
    public func all(now: Double) -> [PushedAlert] {
        let (kept, dropped) = alerts.withLock { current -> ([PushedAlert], [String]) in
            let dropped = current.filter { $0.value.endsAt < now - retention }.map(\.key)
            for fingerprint in dropped { current[fingerprint] = nil }
            return (current.sorted { $0.key < $1.key }.map(\.value), dropped)
        }
        if !dropped.isEmpty {
            do {
                try store?.savePushedAlerts([], removing: dropped)
            } catch {
                logger.error("cannot delete expired pushed alerts from the state file", metadata: ["err": "\(error)"])
            }
        }
        return kept
    }

    /// Alertmanager's `model.Alert.Validate` (prometheus/common), after empty label values were
    /// removed as its API does: the first problem found, or nil.
    static func validationError(_ alert: PushedAlert) -> String? {
        if alert.endsAt != 0 && alert.endsAt < alert.startsAt { return "start time must be before end time" }
        if let error = labelSetError(alert.labels) { return "invalid label set: \(error)" }
        if alert.labels.isEmpty { return "at least one label pair required" }
        if let error = labelSetError(alert.annotations) { return "invalid annotations: \(error)" }
        return nil
    }

    /// `LabelSet.Validate`: names match `[a-zA-Z_][a-zA-Z0-9_]*` (the legacy name rules
    /// Alertmanager 0.25 validates with); values are any UTF-8 (which a Swift String always is).
    private static func labelSetError(_ labels: [String: String]) -> String? {
        for name in labels.keys.sorted() where !isValidLabelName(name) {
            return "invalid name \(goQuoted(name))"
        }
        return nil
    }

    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// Go's `%q` for the characters label names hold in practice: quotes and backslashes escaped.
    static func goQuoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
