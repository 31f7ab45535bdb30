import AlertCore
import Testing

/// Alertmanager's semantics for pushed alerts (api/v2 postAlertsHandler, provider/mem Put,
/// types.Alert.Merge), on the model without HTTP.
@Suite struct PushedAlertsTests {
    func pushed() -> PushedAlerts { PushedAlerts(store: nil, logger: CapturedLog().logger) }

    @Test func missingEndsAtResolvesAfterResolveTimeoutUnlessRepeated() {
        let alerts = pushed()
        #expect(alerts.receive([.init(labels: ["alertname": "A"])], now: 1000).isEmpty)
        var stored = alerts.all(now: 1000)
        #expect(stored.count == 1)
        #expect(stored[0].startsAt == 1000 && stored[0].endsAt == 1300 && stored[0].timeout)
        #expect(!stored[0].isResolved(at: 1299) && stored[0].isResolved(at: 1301))
        // Prometheus re-sends every minute: the end moves out, the start stays.
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 1000)], now: 1060)
        stored = alerts.all(now: 1060)
        #expect(stored[0].startsAt == 1000 && stored[0].endsAt == 1360 && stored[0].updatedAt == 1060)
    }

    @Test func missingStartsAtIsEndsAtOrNow() {
        let alerts = pushed()
        alerts.receive([.init(labels: ["alertname": "A"], endsAt: 900)], now: 1000)
        alerts.receive([.init(labels: ["alertname": "B"], endsAt: 2000)], now: 1000)
        let byName = Dictionary(uniqueKeysWithValues: alerts.all(now: 1000).map { ($0.labels["alertname"]!, $0) })
        #expect(byName["A"]?.startsAt == 900 && byName["A"]?.isResolved(at: 1000) == true)
        // Alertmanager takes a missing start from the given end, even a future one.
        #expect(byName["B"]?.startsAt == 2000 && byName["B"]?.endsAt == 2000 && byName["B"]?.timeout == false)
    }

    @Test func resolvingPushEndsTheAlertAndKeepsTheEarliestStart() {
        let alerts = pushed()
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 500)], now: 1000)
        // Prometheus's resolved notification: endsAt = ResolvedAt, in the past.
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 600, endsAt: 990)], now: 1010)
        let stored = alerts.all(now: 1010)
        #expect(stored.count == 1)
        #expect(stored[0].startsAt == 500 && stored[0].endsAt == 990 && stored[0].isResolved(at: 1010))
    }

    /// A resolved alert followed by a new firing of the same labels (no overlap) starts afresh.
    @Test func refiringAfterResolutionIsANewAlert() {
        let alerts = pushed()
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 100, endsAt: 200)], now: 1000)
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 1000)], now: 1000)
        let stored = alerts.all(now: 1000)
        #expect(stored[0].startsAt == 1000 && stored[0].endsAt == 1300)
    }

    /// An explicit later end time beats a later timeout-based one (Merge: "a non-timeout timestamp
    /// always rules if it is the latest").
    @Test func explicitEndsAtBeatsTimeout() {
        let alerts = pushed()
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 1000, endsAt: 5000)], now: 1000)
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 1000)], now: 1100)
        #expect(alerts.all(now: 1100)[0].endsAt == 5000)
    }

    @Test func validationErrorsUseAlertmanagersWordsAndKeepTheValidAlerts() {
        let alerts = pushed()
        let errors = alerts.receive([
            .init(labels: ["alertname": "Good"]),
            .init(labels: [:]),
            .init(labels: ["only": ""]),
            .init(labels: ["1bad": "x"]),
            .init(labels: ["alertname": "A"], startsAt: 200, endsAt: 100),
            .init(labels: ["alertname": "A"], annotations: ["bad-name": "x"]),
        ], now: 1000)
        #expect(errors == ["at least one label pair required", "at least one label pair required",
                           "invalid label set: invalid name \"1bad\"", "start time must be before end time",
                           "invalid annotations: invalid name \"bad-name\""])
        #expect(alerts.all(now: 1000).map { $0.labels["alertname"] } == ["Good"])
    }

    @Test func resolvedAlertsAreDroppedAfterRetention() {
        let alerts = pushed()
        alerts.receive([.init(labels: ["alertname": "A"], startsAt: 100, endsAt: 200)], now: 300)
        #expect(alerts.all(now: 200 + PushedAlerts.defaultRetention - 1).count == 1)
        #expect(alerts.all(now: 200 + PushedAlerts.defaultRetention + 1).isEmpty)
    }

    @Test func pushedAlertsSurviveARestartThroughTheStore() throws {
        let store = AlertStateStore.open(path: ":memory:", logger: CapturedLog().logger)
        PushedAlerts(store: store, logger: CapturedLog().logger).receive([.init(labels: ["alertname": "A"], startsAt: 10)], now: 10)
        let restarted = PushedAlerts(store: store, logger: CapturedLog().logger)
        #expect(restarted.all(now: 20).map(\.labels) == [["alertname": "A"]])
        #expect(restarted.all(now: 20 + 300 + PushedAlerts.defaultRetention + 1).isEmpty)
        #expect(try store.loadPushedAlerts().isEmpty)
    }

    /// Fingerprints as Prometheus's `model.LabelSet.Fingerprint` computes them (values from
    /// prometheus/common's signature_test.go and an Alertmanager API answer).
    @Test func fingerprintMatchesPrometheus() {
        #expect(AlertFingerprint.of([:]) == "cbf29ce484222325")
        #expect(AlertFingerprint.of(["name": "garland, briggs", "fear": "love is not enough"]) == "507a62d79ee76c9a")
    }
}

@Suite struct TimeFormatTests {
    @Test func rfc3339NanoAsGoWritesIt() {
        #expect(TimeFormat.rfc3339Nano(0) == "1970-01-01T00:00:00Z")
        #expect(TimeFormat.rfc3339Nano(1_700_000_000.25) == "2023-11-14T22:13:20.25Z")
        #expect(TimeFormat.rfc3339Nano(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(TimeFormat.rfc3339Millis(1_700_000_000) == "2023-11-14T22:13:20.000Z")
        #expect(TimeFormat.rfc3339Millis(1_700_000_000.9996) == "2023-11-14T22:13:21.000Z")
    }

    @Test func parsesRFC3339() {
        #expect(TimeFormat.parseRFC3339("2023-11-14T22:13:20Z") == 1_700_000_000)
        #expect(TimeFormat.parseRFC3339("2023-11-14T23:13:20.5+01:00") == 1_700_000_000.5)
        #expect(TimeFormat.parseRFC3339("0001-01-01T00:00:00Z") == -62_135_596_800)
        for bad in ["", "2023-11-14", "2023-13-14T22:13:20Z", "2023-02-30T00:00:00Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z"] {
            #expect(TimeFormat.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    /// Go's strconv.FormatFloat(v, 'e', -1, 64), which Prometheus uses for alert values.
    @Test func goExponentFormat() {
        let cases: [(Double, String)] = [(1, "1e+00"), (0, "0e+00"), (0.5, "5e-01"), (1234.5, "1.2345e+03"), (-2, "-2e+00"),
                                         (1e21, "1e+21"), (1.5e-7, "1.5e-07"), (123_456_789, "1.23456789e+08"),
                                         (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (0.1, "1e-01")]
        for (value, expected) in cases {
            #expect(TimeFormat.goExponent(value) == expected, "\(value)")
        }
    }
}

@Suite struct AlertMatcherTests {
    @Test func parsesAlertmanagerMatchers() throws {
        let labels = ["alertname": "HostDown", "instance": "pi1:9100"]
        let cases: [(String, Bool)] = [("alertname=HostDown", true), ("alertname=\"HostDown\"", true), ("alertname!=HostDown", false),
                                       ("instance=~\"pi.*\"", true), ("instance=~pi", false), ("instance!~\"pi1.*\"", false),
                                       ("missing=\"\"", true), (" alertname = HostDown ", true)]
        for (text, matches) in cases {
            let matcher = try AlertMatcher.parse(text).get()
            #expect(matcher.matches(labels) == matches, "\(text)")
        }
        #expect(throws: MatcherError.self) { try AlertMatcher.parse("alertname").get() }
        #expect(throws: MatcherError.self) { try AlertMatcher.parse("=x").get() }
        #expect(throws: MatcherError.self) { try AlertMatcher.parse("a=~\"(\"").get() }
    }
}
