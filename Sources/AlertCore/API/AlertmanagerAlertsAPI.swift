import FoundationEssentials
import VandineCore

/// Alertmanager's v2 alerts API (`api/v2/openapi.yaml`): `GET /api/v2/alerts` lists the firing
/// alerts of our rules and the alerts pushed to us as `gettableAlert`s; `POST /api/v2/alerts`
/// takes `postableAlerts`.
public enum AlertmanagerAlertsAPI {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    /// The GET's query parameters (booleans as given; nil means Alertmanager's default, true).
    public struct AlertsQuery: Sendable {
        public var active: String?
        public var silenced: String?
        public var inhibited: String?
        public var unprocessed: String?
        public var filter: [String]
        public var receiver: String?

        public init(active: String? = nil, silenced: String? = nil, inhibited: String? = nil, unprocessed: String? = nil,
                    filter: [String] = [], receiver: String? = nil) {
            self.active = active
            self.silenced = silenced
            self.inhibited = inhibited
            self.unprocessed = unprocessed
            self.filter = filter
            self.receiver = receiver
        }
    }

    /// Prometheus's resend delay (`--rules.alert.resend-delay`, 1 m): a firing rule alert is valid
    /// until its last evaluation + 4 × max(interval, resend delay), as Prometheus's `ValidUntil`.
    static let resendDelay = 60.0

    /// `GET /api/v2/alerts`: the rule alerts that are firing and the pushed alerts that have not
    /// resolved, filtered as Alertmanager filters them. Nothing is silenced or inhibited yet, so
    /// every alert's state is `active`.
    public static func list(groups: [GroupStatus], pushed: [PushedAlert], query: AlertsQuery = AlertsQuery(),
                            now: Double) -> Response {
        var matchers: [AlertMatcher] = []
        for text in query.filter {
            switch AlertMatcher.parse(text) {
            case let .success(matcher): matchers.append(matcher)
            case let .failure(error): return Response(status: 400, body: APIJSON.encode(error.description))
            }
        }
        var flags: [Bool] = []
        for (name, text) in [("active", query.active), ("silenced", query.silenced), ("inhibited", query.inhibited),
                             ("unprocessed", query.unprocessed)] {
            guard let text else { flags.append(true); continue }
            guard let value = PrometheusRulesAPI.parseGoBool(text) else {
                return Response(status: 400, body: APIJSON.encode(SwaggerError(code: 601, message: "\(name) in query must be of type boolean: \"\(text)\"")))
            }
            flags.append(value)
        }
        let showActive = flags[0]
        var receiverRegex: RegularExpression?
        if let receiver = query.receiver, !receiver.isEmpty {
            guard case let .success(compiled) = RegularExpression.compile("^(?:" + receiver + ")$") else {
                return Response(status: 400, body: APIJSON.encode("failed to parse receiver param: \(receiver)"))
            }
            receiverRegex = compiled
        }
        var alerts: [GettableAlert] = []
        for group in groups {
            for rule in group.rules {
                for alert in rule.alerts where alert.state == .firing && alert.resolvedAt == nil {
                    let endsAt = alert.lastEvaluatedAt + 4 * max(group.interval, resendDelay)
                    alerts.append(GettableAlert(labels: alert.labels, annotations: alert.annotations,
                                                startsAt: alert.firedAt ?? alert.activeAt, endsAt: endsAt,
                                                updatedAt: alert.lastEvaluatedAt, generatorURL: nil))
                }
            }
        }
        for alert in pushed where !alert.isResolved(at: now) {
            alerts.append(GettableAlert(labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt,
                                        endsAt: alert.endsAt, updatedAt: alert.updatedAt,
                                        generatorURL: alert.generatorURL.isEmpty ? nil : alert.generatorURL))
        }
        alerts = alerts.filter { alert in
            // No routing yet: an alert has no receiver, so a receiver filter matches nothing.
            if receiverRegex != nil { return false }
            return showActive && matchers.allSatisfy { $0.matches(alert.labels) }
        }
        // Alertmanager sorts by fingerprint.
        alerts.sort { $0.fingerprint < $1.fingerprint }
        return Response(status: 200, body: APIJSON.encode(alerts))
    }

    /// `POST /api/v2/alerts` with `body` (a JSON array of postable alerts) received at `now`:
    /// 200 when every alert was accepted; 400 with go-swagger's `{"code","message"}` for a body
    /// that is not a list of alerts, or with Alertmanager's validation errors as a JSON string
    /// (valid alerts of the batch are kept, as Alertmanager does).
    public static func post(body: some Sequence<UInt8>, into pushed: PushedAlerts, now: Double) -> Response {
        let parsed: [PushedAlerts.Posted]
        switch parse(Data(body)) {
        case let .success(alerts): parsed = alerts
        case let .failure(error): return Response(status: 400, body: APIJSON.encode(error))
        }
        let errors = pushed.receive(parsed, now: now)
        guard errors.isEmpty else { return Response(status: 400, body: APIJSON.encode(errors.joined(separator: "; "))) }
        return Response(status: 200, body: "")
    }

    /// Decodes the postable alerts; the error is go-swagger's, naming the array index and field.
    static func parse(_ data: Data) -> Result<[PushedAlerts.Posted], SwaggerError> {
        let raw: [PostableAlert]
        do {
            raw = try JSONDecoder().decode([PostableAlert].self, from: data)
        } catch {
            return .failure(SwaggerError(code: 400, message: "parsing alerts body from \"\" failed, because \(describe(error))"))
        }
        var alerts: [PushedAlerts.Posted] = []
        for (index, alert) in raw.enumerated() {
            guard let labels = alert.labels else {
                return .failure(SwaggerError(code: 602, message: "\(index).labels in body is required"))
            }
            var times: [Double?] = []
            for (name, text) in [("startsAt", alert.startsAt), ("endsAt", alert.endsAt)] {
                guard let text, !text.isEmpty else { times.append(nil); continue }
                guard let seconds = TimeFormat.parseRFC3339(text) else {
                    return .failure(SwaggerError(code: 601, message: "\(index).\(name) in body must be of type date-time: \"\(text)\""))
                }
                // Go's zero time (0001-01-01T00:00:00Z) is what clients send for "unset".
                times.append(seconds == -62_135_596_800 ? nil : seconds)
            }
            alerts.append(PushedAlerts.Posted(labels: labels, annotations: alert.annotations ?? [:], startsAt: times[0],
                                              endsAt: times[1], generatorURL: alert.generatorURL ?? ""))
        }
        return .success(alerts)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case let .typeMismatch(_, context), let .valueNotFound(_, context), let .keyNotFound(_, context),
                 let .dataCorrupted(context):
                let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            @unknown default:
                return "\(error)"
            }
        }
        return "\(error)"
    }

    // MARK: - Shapes

    /// go-swagger's error body.
    struct SwaggerError: Error, Encodable {
        var code: Int
        var message: String
    }

    struct PostableAlert: Decodable {
        var labels: [String: String]?
        var annotations: [String: String]?
        var startsAt: String?
        var endsAt: String?
        var generatorURL: String?
    }

    struct Receiver: Encodable {
        var name: String
    }

    struct Status: Encodable {
        var state = "active"
        var silencedBy: [String] = []
        var inhibitedBy: [String] = []
    }

    struct GettableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var updatedAt: String
        var generatorURL: String?
        var fingerprint: String
        var receivers: [Receiver] = []
        var status = Status()

        init(labels: [String: String], annotations: [String: String], startsAt: Double, endsAt: Double, updatedAt: Double,
             generatorURL: String?) {
            self.labels = labels
            self.annotations = annotations
            self.startsAt = TimeFormat.rfc3339Millis(startsAt)
            self.endsAt = TimeFormat.rfc3339Millis(endsAt)
            self.updatedAt = TimeFormat.rfc3339Millis(updatedAt)
            self.generatorURL = generatorURL
            self.fingerprint = AlertFingerprint.of(labels)
        }
    }
}
