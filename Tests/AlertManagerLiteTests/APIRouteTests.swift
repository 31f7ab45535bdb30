import AlertCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import VandineCore
@testable import AlertManagerLite

/// Rule status as the rule manager would report it; the HTTP layer only reads the protocol.
struct FakeRuleStatusProvider: RuleStatusProvider {
    var groups: [GroupStatus]
    func groupStatuses() async -> [GroupStatus] { groups }
}

/// The HTTP API in process (HummingbirdTesting's router mode), against a fixed set of rule groups
/// and a fixed clock.
@Suite struct APIRouteTests {
    static let now = 1_700_000_000.0  // 2023-11-14T22:13:20Z

    static let hostDown = AlertingRuleDefinition(
        name: "HostDown", expression: "up == 0", holdDuration: 300, keepFiringFor: 60, labels: ["severity": "page"],
        annotations: ["summary": "{{ $labels.instance }} down"])

    static var groups: [GroupStatus] {
        let node = RuleGroupDefinition(name: "node", file: "rules/node.yml", rules: [
            .alerting(hostDown),
            .recording(RecordingRuleDefinition(name: "job:up:sum", expression: "sum by (job) (up)")),
            .alerting(AlertingRuleDefinition(name: "<script>alert(1)</script>", expression: "up ==")),
        ])
        let firing = AlertInstance(labels: ["alertname": "HostDown", "instance": "pi1", "severity": "page"],
                                   annotations: ["summary": "pi1 down"], state: .firing, value: 0, activeAt: now - 1000,
                                   firedAt: now - 700, lastEvaluatedAt: now)
        let pending = AlertInstance(labels: ["alertname": "HostDown", "instance": "pi2", "severity": "page"],
                                    annotations: ["summary": "pi2 down"], state: .pending, value: 1.5, activeAt: now - 50,
                                    lastEvaluatedAt: now)
        let resolved = AlertInstance(labels: ["alertname": "HostDown", "instance": "pi3", "severity": "page"], state: .inactive,
                                     value: 0, activeAt: now - 900, firedAt: now - 600, resolvedAt: now - 100, lastEvaluatedAt: now)
        func key(_ name: String) -> RuleStateKey { RuleStateKey(file: "rules/node.yml", group: "node", rule: name, ordinal: 0, definitionHash: "h") }
        let other = RuleGroupDefinition(name: "never", file: "rules/other.yml", interval: 60, limit: 10, rules: [
            .alerting(AlertingRuleDefinition(name: "NotYet", expression: "vector(1)")),
        ])
        return [
            GroupStatus(definition: node, interval: 15, lastEvaluation: now, evaluationDuration: 0.0123, rules: [
                RuleStatus(key: key("HostDown"), definition: node.rules[0], health: .ok, lastEvaluation: now, evaluationDuration: 0.004,
                           alerts: [firing, pending, resolved]),
                RuleStatus(key: key("job:up:sum"), definition: node.rules[1]),
                RuleStatus(key: key("<script>"), definition: node.rules[2], health: .err,
                           lastError: "bad_data: 1:6: parse error: unexpected end of input <b>", lastEvaluation: now,
                           evaluationDuration: 0.002),
            ]),
            GroupStatus(definition: other, interval: 60, rules: [
                RuleStatus(key: RuleStateKey(file: "rules/other.yml", group: "never", rule: "NotYet", ordinal: 0, definitionHash: "x"),
                           definition: other.rules[0]),
            ]),
        ]
    }

    static func makeState(groups: [GroupStatus] = groups, store: AlertStateStore? = nil) -> AlertManagerLiteState {
        let log = CapturedLog()
        let store = store ?? AlertStateStore.open(path: ":memory:", logger: log.logger)
        return AlertManagerLiteState(rules: FakeRuleStatusProvider(groups: groups), store: store,
                                     pushed: PushedAlerts(store: store, logger: log.logger), evaluations: RuleEvaluationMetrics(),
                                     configSource: "test.yml", logger: log.logger, now: { now })
    }

    static func app(_ state: AlertManagerLiteState, webConfig: WebConfig = WebConfig()) throws -> some ApplicationProtocol {
        try buildApplication(state: state, webConfig: webConfig, listen: ListenAddress("127.0.0.1:0")!)
    }

    /// Parses JSON into Foundation objects, so two documents compare structurally (key order and
    /// number spelling do not matter).
    static func json(_ text: String) throws -> NSObject {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as! NSObject
    }

    static let goldenRules = """
        {"status":"success","data":{"groups":[
          {"name":"node","file":"rules/node.yml","interval":15,"limit":0,"evaluationTime":0.0123,
           "lastEvaluation":"2023-11-14T22:13:20Z","rules":[
            {"state":"firing","name":"HostDown","query":"up == 0","duration":300,"keepFiringFor":60,
             "labels":{"severity":"page"},"annotations":{"summary":"{{ $labels.instance }} down"},
             "alerts":[
               {"labels":{"alertname":"HostDown","instance":"pi1","severity":"page"},"annotations":{"summary":"pi1 down"},
                "state":"firing","activeAt":"2023-11-14T21:56:40Z","value":"0e+00"},
               {"labels":{"alertname":"HostDown","instance":"pi2","severity":"page"},"annotations":{"summary":"pi2 down"},
                "state":"pending","activeAt":"2023-11-14T22:12:30Z","value":"1.5e+00"}],
             "health":"ok","evaluationTime":0.004,"lastEvaluation":"2023-11-14T22:13:20Z","type":"alerting"},
            {"name":"job:up:sum","query":"sum by (job) (up)","health":"unknown","evaluationTime":0,
             "lastEvaluation":"0001-01-01T00:00:00Z","type":"recording"},
            {"state":"inactive","name":"<script>alert(1)</script>","query":"up ==","duration":0,"keepFiringFor":0,
             "labels":{},"annotations":{},"alerts":[],"health":"err",
             "lastError":"bad_data: 1:6: parse error: unexpected end of input <b>","evaluationTime":0.002,
             "lastEvaluation":"2023-11-14T22:13:20Z","type":"alerting"}]},
          {"name":"never","file":"rules/other.yml","interval":60,"limit":10,"evaluationTime":0,
           "lastEvaluation":"0001-01-01T00:00:00Z","rules":[
            {"state":"unknown","name":"NotYet","query":"vector(1)","duration":0,"keepFiringFor":0,"labels":{},"annotations":{},
             "alerts":[],"health":"unknown","evaluationTime":0,"lastEvaluation":"0001-01-01T00:00:00Z","type":"alerting"}]}
        ]}}
        """

    @Test func rulesMatchPrometheusShape() async throws {
        try await Self.app(Self.makeState()).test(.router) { client in
            try await client.execute(uri: "/api/v1/rules", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let body = String(buffer: response.body)
                let (got, want) = (try Self.json(body), try Self.json(Self.goldenRules))
                #expect(got == want, "\(body)")
            }
        }
    }

    /// Decoded with the field types Grafana's Prometheus data source declares for the ruler API
    /// (`PromRuleGroupDTO`, `PromAlertingRuleDTO`: value is a string, activeAt an ISO date).
    @Test func rulesDecodeAsGrafanaReadsThem() async throws {
        struct Envelope: Decodable { var status: String; var data: DataField }
        struct DataField: Decodable { var groups: [Group] }
        struct Group: Decodable { var name: String; var file: String; var interval: Double; var rules: [Rule] }
        struct Rule: Decodable {
            var name: String; var query: String; var type: String; var health: String; var state: String?
            var alerts: [Alert]?; var lastError: String?; var labels: [String: String]?; var evaluationTime: Double?
            var lastEvaluation: String?
        }
        struct Alert: Decodable { var labels: [String: String]; var annotations: [String: String]; var state: String; var activeAt: String; var value: String }
        try await Self.app(Self.makeState()).test(.router) { client in
            try await client.execute(uri: "/api/v1/rules?type=alert", method: .get) { response in
                let decoded = try JSONDecoder().decode(Envelope.self, from: Data(String(buffer: response.body).utf8))
                #expect(decoded.status == "success")
                #expect(decoded.data.groups.flatMap(\.rules).map(\.type) == ["alerting", "alerting", "alerting"])
                let alerts = decoded.data.groups[0].rules[0].alerts ?? []
                #expect(alerts.map(\.state) == ["firing", "pending"])
                #expect(ISO8601DateFormatter().date(from: alerts[0].activeAt)?.timeIntervalSince1970 == Self.now - 1000)
            }
            try await client.execute(uri: "/api/v1/rules?type=record", method: .get) { response in
                let decoded = try JSONDecoder().decode(Envelope.self, from: Data(String(buffer: response.body).utf8))
                // The group without recording rules is left out, as Prometheus does.
                #expect(decoded.data.groups.map(\.name) == ["node"])
                #expect(decoded.data.groups[0].rules.map(\.name) == ["job:up:sum"])
            }
            try await client.execute(uri: "/api/v1/rules?rule_group[]=never&exclude_alerts=true", method: .get) { response in
                let decoded = try JSONDecoder().decode(Envelope.self, from: Data(String(buffer: response.body).utf8))
                #expect(decoded.data.groups.map(\.name) == ["never"])
                #expect(decoded.data.groups[0].rules[0].alerts == nil)
            }
            try await client.execute(uri: "/api/v1/rules?type=bogus", method: .get) { response in
                #expect(response.status == .badRequest)
                let expected = try Self.json(#"{"status":"error","errorType":"bad_data","error":"not supported value \"bogus\""}"#)
                #expect(try Self.json(String(buffer: response.body)) == expected)
            }
        }
    }

    @Test func alertsV1ListsPendingAndFiring() async throws {
        try await Self.app(Self.makeState()).test(.router) { client in
            try await client.execute(uri: "/api/v1/alerts", method: .get) { response in
                let expected = """
                    {"status":"success","data":{"alerts":[
                      {"labels":{"alertname":"HostDown","instance":"pi1","severity":"page"},"annotations":{"summary":"pi1 down"},
                       "state":"firing","activeAt":"2023-11-14T21:56:40Z","value":"0e+00"},
                      {"labels":{"alertname":"HostDown","instance":"pi2","severity":"page"},"annotations":{"summary":"pi2 down"},
                       "state":"pending","activeAt":"2023-11-14T22:12:30Z","value":"1.5e+00"}]}}
                    """
                let (got, want) = (try Self.json(String(buffer: response.body)), try Self.json(expected))
                #expect(got == want)
            }
        }
    }

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/api/v2/alerts", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { response in
            (response.status, String(buffer: response.body))
        }
    }

    static func alertsV2(_ client: some TestClientProtocol, _ query: String = "") async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/api/v2/alerts" + query, method: .get) { ($0.status, String(buffer: $0.body)) }
    }

    @Test func postedAlertsShowInAlertmanagerShapeBesideTheFiringRuleAlerts() async throws {
        try await Self.app(Self.makeState()).test(.router) { client in
            let (status, _) = try await Self.post(client, """
                [{"labels":{"alertname":"Pushed","job":"node"},"annotations":{"summary":"from Prometheus"},
                  "startsAt":"2023-11-14T22:00:00Z","generatorURL":"http://127.0.0.1:9090/graph?g0.expr=up"}]
                """)
            #expect(status == .ok)
            let (listed, body) = try await Self.alertsV2(client)
            #expect(listed == .ok)
            let expected = """
                [{"labels":{"alertname":"HostDown","instance":"pi1","severity":"page"},"annotations":{"summary":"pi1 down"},
                  "startsAt":"2023-11-14T22:01:40.000Z","endsAt":"2023-11-14T22:17:20.000Z","updatedAt":"2023-11-14T22:13:20.000Z",
                  "fingerprint":"\(AlertFingerprint.of(["alertname": "HostDown", "instance": "pi1", "severity": "page"]))",
                  "receivers":[],"status":{"state":"active","silencedBy":[],"inhibitedBy":[]}},
                 {"labels":{"alertname":"Pushed","job":"node"},"annotations":{"summary":"from Prometheus"},
                  "startsAt":"2023-11-14T22:00:00.000Z","endsAt":"2023-11-14T22:18:20.000Z","updatedAt":"2023-11-14T22:13:20.000Z",
                  "generatorURL":"http://127.0.0.1:9090/graph?g0.expr=up",
                  "fingerprint":"\(AlertFingerprint.of(["alertname": "Pushed", "job": "node"]))",
                  "receivers":[],"status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]
                """
            let got = try Self.json(body) as! NSArray
            let want = try Self.json(expected) as! NSArray
            // Alertmanager sorts by fingerprint; compare as sets, then check the order separately.
            #expect(Set(got.map { $0 as! NSDictionary }) == Set(want.map { $0 as! NSDictionary }), "\(body)")
            let fingerprints = got.map { ($0 as! NSDictionary)["fingerprint"] as! String }
            #expect(fingerprints == fingerprints.sorted())

            let (_, filtered) = try await Self.alertsV2(client, "?filter=alertname%3D%22Pushed%22")
            #expect((try Self.json(filtered) as! NSArray).count == 1)
            let (_, regex) = try await Self.alertsV2(client, "?filter=alertname%3D~%22Host.%2A%22&filter=instance%3Dpi1")
            #expect((try Self.json(regex) as! NSArray).count == 1)
            let (_, inactive) = try await Self.alertsV2(client, "?active=false")
            #expect(inactive == "[]")
            let (badStatus, bad) = try await Self.alertsV2(client, "?filter=alertname")
            #expect(badStatus == .badRequest && bad == "\"bad matcher format: alertname\"")
        }
    }

    @Test func resolvedPushedAlertsLeaveTheList() async throws {
        try await Self.app(Self.makeState(groups: [])).test(.router) { client in
            _ = try await Self.post(client, #"[{"labels":{"alertname":"A"},"startsAt":"2023-11-14T22:00:00Z"}]"#)
            #expect((try Self.json(try await Self.alertsV2(client).1) as! NSArray).count == 1)
            // Prometheus's resolved notification: endsAt in the past.
            _ = try await Self.post(client, #"[{"labels":{"alertname":"A"},"startsAt":"2023-11-14T22:00:00Z","endsAt":"2023-11-14T22:13:00Z"}]"#)
            #expect(try await Self.alertsV2(client).1 == "[]")
        }
    }

    @Test(arguments: [
        (#"{"labels":{}}"#, #"{"code":400,"message":"parsing alerts body from \"\" failed, because Expected to decode Array<Any> but found a dictionary instead."}"#),
        (#"[{"annotations":{}}]"#, #"{"code":602,"message":"0.labels in body is required"}"#),
        (#"[{"labels":{"a":"b"},"startsAt":"yesterday"}]"#, #"{"code":601,"message":"0.startsAt in body must be of type date-time: \"yesterday\""}"#),
        (#"[{"labels":{"a":"b"},"startsAt":"2023-11-14T22:00:00Z","endsAt":"2023-11-14T21:00:00Z"},{"labels":{}}]"#,
         #""start time must be before end time; at least one label pair required""#),
    ])
    func invalidPostsAnswer400(_ body: String, _ expected: String) async throws {
        try await Self.app(Self.makeState(groups: [])).test(.router) { client in
            let (status, answer) = try await Self.post(client, body)
            #expect(status == .badRequest)
            if expected.hasPrefix("{\"code\":400") {
                #expect(answer.hasPrefix("{\"code\":400,\"message\":\"parsing alerts body"), "\(answer)")
            } else {
                #expect(try Self.json(answer) == Self.json(expected), "\(answer)")
            }
        }
    }

    @Test func metricsPassPromtoolAndCountRulesAndAlerts() async throws {
        let state = Self.makeState()
        state.evaluations.recordRuleEvaluation(group: "rules/node.yml;node", seconds: 0.004, failed: false)
        state.evaluations.recordRuleEvaluation(group: "rules/node.yml;node", seconds: 0.002, failed: true)
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let body = String(buffer: response.body)
                let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: body)
                #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
                let set = MetricSet(try ExpositionParser.parse(body))
                #expect(set.sample(named: "alertmanager_lite_rule_evaluations_total", labels: ["rule_group": "rules/node.yml;node"]) == 2)
                #expect(set.sample(named: "alertmanager_lite_rule_evaluation_failures_total", labels: ["rule_group": "rules/node.yml;node"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_rule_evaluations_total", labels: ["rule_group": "rules/other.yml;never"]) == 0)
                #expect(set.sample(named: "alertmanager_lite_rule_evaluation_duration_seconds_count") == 2)
                #expect(set.sample(named: "alertmanager_lite_rule_group_last_evaluation_timestamp_seconds", labels: ["rule_group": "rules/node.yml;node"]) == Self.now)
                #expect(set.sample(named: "alertmanager_lite_rule_group_last_duration_seconds", labels: ["rule_group": "rules/node.yml;node"]) == 0.0123)
                #expect(set.sample(named: "alertmanager_lite_alerts", labels: ["state": "firing"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_alerts", labels: ["state": "pending"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_alerts", labels: ["state": "unknown"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_alerting_rules", labels: ["state": "unknown"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_alerting_rules", labels: ["state": "firing"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_alerting_rules", labels: ["state": "inactive"]) == 1)
                #expect(set.sample(named: "alertmanager_lite_config_last_reload_successful") == 1)
                #expect(set.family(named: "alertmanager_lite_build_info") != nil)
                #expect(set.family(named: "process_resident_memory_bytes") != nil)
            }
        }
    }

    @Test func statusPageEscapesRuleContent() async throws {
        try await Self.app(Self.makeState()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(!html.contains("<script>"))
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(html.contains("unexpected end of input &lt;b&gt;"))
                #expect(html.contains("HostDown") && html.contains("pi2") && html.contains("job:up:sum"))
            }
        }
    }

    @Test func adminRoutesAndReloadStatus() async throws {
        let log = CapturedLog()
        let store = AlertStateStore.open(path: ":memory:", logger: log.logger)
        struct Broken: Error, CustomStringConvertible { var description = "rules/x.yml:3: unknown key \"exprr\"" }
        let state = AlertManagerLiteState(rules: FakeRuleStatusProvider(groups: []), store: store,
                                          pushed: PushedAlerts(store: store, logger: log.logger), evaluations: RuleEvaluationMetrics(),
                                          configSource: "x.yml", logger: log.logger, now: { Self.now }, reload: { .failure(Broken()) })
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("unknown key"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let set = MetricSet(try ExpositionParser.parse(String(buffer: response.body)))
                #expect(set.sample(named: "alertmanager_lite_config_last_reload_successful") == 0)
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(String(buffer: response.body).contains("FAILED: rules/x.yml:3: unknown key &quot;exprr&quot;"))
            }
        }
    }

    /// With `basic_auth_users` in the web config every route wants credentials, pushes included (a
    /// Prometheus pushes with `basic_auth` in its `alertmanagers` entry).
    @Test func basicAuthGuardsPushAndRead() async throws {
        let web = WebConfig(basicAuthUsers: ["prometheus": BasicAuthFixtures.hunter2Hash])
        let state = Self.makeState(groups: [])
        try await Self.app(state, webConfig: web).test(.router) { client in
            let (status, _) = try await Self.post(client, #"[{"labels":{"alertname":"A"}}]"#)
            #expect(status == .unauthorized)
            try await client.execute(uri: "/api/v1/rules", method: .get) { #expect($0.status == .unauthorized) }
            let credentials = "Basic " + Data("prometheus:hunter2".utf8).base64EncodedString()
            try await client.execute(uri: "/api/v2/alerts", method: .post,
                                     headers: [.contentType: "application/json", .authorization: credentials],
                                     body: ByteBuffer(string: #"[{"labels":{"alertname":"A"}}]"#)) { #expect($0.status == .ok) }
        }
        #expect(state.pushed.all(now: Self.now).count == 1)
    }

    /// Whatever bytes arrive, the answer is a 400 with a JSON body, never a crash or a 500.
    @Test func arbitraryBodiesGetA400() async throws {
        var generator = SystemRandomNumberGenerator()
        let samples = ["", "[", "null", "[null]", "[1]", #"[{"labels":[]}]"#, #"[{"labels":{"a":1}}]"#,
                       #"[{"labels":{"a":"b"},"endsAt":"2023-11-14T22:00:00+25:00"}]"#]
            + (0..<20).map { _ in String(decoding: (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }, as: UTF8.self) }
        try await Self.app(Self.makeState(groups: [])).test(.router) { client in
            for body in samples {
                let (status, answer) = try await Self.post(client, body)
                #expect(status == .badRequest, "\(body)")
                #expect((try? Self.json(answer)) != nil, "\(answer)")
            }
        }
    }

    @Test func statusInAlertmanagerShape() async throws {
        try await Self.app(Self.makeState(groups: [])).test(.router) { client in
            try await client.execute(uri: "/api/v2/status", method: .get) { response in
                let body = String(buffer: response.body)
                let expected = """
                    {"cluster":{"status":"disabled","peers":[]},"config":{"original":""},"uptime":"2023-11-14T22:13:20.000Z",
                     "versionInfo":{"version":"\(BuildInfo.version)","branch":"","revision":"","buildUser":"","buildDate":"",
                                    "goVersion":"none (Swift \(BuildInfo.swiftVersion))"}}
                    """
                let (got, want) = (try Self.json(body), try Self.json(expected))
                #expect(got == want, "\(body)")
            }
        }
    }
}
