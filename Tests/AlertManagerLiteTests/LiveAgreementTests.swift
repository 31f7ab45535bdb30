import Foundation
import Testing
import TestSupport

/// Live agreement with Prometheus: a real Prometheus scrapes a target whose gauges the test flips
/// (four devices going down and up, a temperature crossing two thresholds), and evaluates a rule
/// file with `for`, `keep_firing_for` and templated labels and annotations; alertmanager-lite
/// evaluates the same file against that Prometheus. Both `/api/v1/alerts` are read together every
/// 250 ms; every firing set one side shows must be shown by the other within one evaluation
/// interval (plus the polling period). Our evaluation slots are Prometheus's own (same group key,
/// same offset), so the sets mostly agree exactly; the tolerance covers a scrape that lands between
/// Prometheus's evaluation and our query of the same timestamp.
@Suite struct LiveAgreementTests {
    static let interval = 2.0
    static let step = 3.0
    /// Per device, one character per step: 1 up, 0 down. Short blips stay pending (`for: 4s`),
    /// short recoveries are bridged by `keep_firing_for: 4s`.
    static let up: [String: String] = [
        "router": "1100000001111100011111000011",
        "pi1": "1111011111100111111000000111",
        "pi2": "1110000011110000000111100011",
        "nas": "1111111000000010000000111111",
    ]
    /// The nas's temperature per step (°C): warning above 50, critical above 70.
    static let temperature: [Double] = [30, 30, 55, 80, 80, 60, 30, 75, 52.5, 52.5, 40, 90, 30, 30,
                                        61, 61, 61, 30, 71, 30, 30, 55, 55, 30, 30, 30, 30, 30]

    static let rules = """
        groups:
          - name: live
            interval: 2s
            rules:
              - alert: DeviceDown
                expr: live_up == 0
                for: 4s
                keep_firing_for: 4s
                labels:
                  severity: page
                  site: '{{ $labels.device }}-site'
                annotations:
                  summary: '{{ $labels.device }} is down'
                  description: 'live_up is {{ $value }} on {{ $labels.device }} ({{ $labels.job }})'
              - alert: DeviceHot
                expr: live_temperature_celsius > 50
                labels:
                  severity: '{{ if gt $value 70.0 }}critical{{ else }}warning{{ end }}'
                annotations:
                  summary: '{{ $labels.device }} at {{ $value | humanize }}°C'
        """

    static func exposition(step: Int) -> String {
        var text = "# TYPE live_up gauge\n"
        for (device, pattern) in up.sorted(by: { $0.key < $1.key }) {
            let index = pattern.index(pattern.startIndex, offsetBy: min(step, pattern.count - 1))
            text += "live_up{device=\"\(device)\"} \(pattern[index])\n"
        }
        text += "# TYPE live_temperature_celsius gauge\n"
        text += "live_temperature_celsius{device=\"nas\"} \(temperature[min(step, temperature.count - 1)])\n"
        return text
    }

    struct Observation {
        var time: Double
        var prometheus: Set<String>
        var ours: Set<String>
    }

    @Test(.timeLimit(.minutes(4)))
    func firingAlertsAgreeWithPrometheusAtEveryEvaluation() async throws {
        guard prometheusInstalled() else { return }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try FlippableTarget(exposition: Self.exposition(step: 0))
        defer { target.stop() }
        let ruleFile = try dir.write("rules.yml", Self.rules)
        let prometheus = try RestartablePrometheus(directory: dir.path, config: """
            global: {scrape_interval: 1s, evaluation_interval: \(Int(Self.interval))s}
            rule_files: [\(ruleFile)]
            scrape_configs:
              - job_name: live
                static_configs: [{targets: ['\(target.address)']}]
            """)
        try await prometheus.start()
        defer { prometheus.kill() }
        // The same absolute path on both sides: the group key, and so the evaluation slot, match.
        let daemon = try await startAlertmanagerLite(in: dir, config: """
            datasource: {url: "\(prometheus.url)"}
            evaluation_interval: \(Int(Self.interval))s
            rule_files: [\(ruleFile)]
            """)
        defer { daemon.stop() }

        let scraped = try await poll(timeout: 30) { () async throws -> Bool? in
            let body = try await Curl.fetch(prometheus.url + "/api/v1/query?query=count(live_up)").body
            return body.contains("\"4\"]") ? true : nil
        }
        try #require(scraped != nil, "Prometheus did not scrape the target: \(prometheus.log.suffix(2000))")

        func firing(_ base: String) async throws -> Set<String>? {
            try await ListedAlert.fetch(base).map { Set($0.filter { $0.state == "firing" }.map(\.identity)) }
        }
        var observations: [Observation] = []
        let start = Date().timeIntervalSince1970
        let steps = Self.temperature.count
        var current = 0
        while Date().timeIntervalSince1970 < start + Double(steps) * Self.step + 10 {
            let now = Date().timeIntervalSince1970
            let step = Int((now - start) / Self.step)
            if step != current && step < steps {
                current = step
                try target.serve(Self.exposition(step: step))
            }
            async let theirs = firing(prometheus.url)
            async let ours = firing(daemon.url(""))
            let (prometheusSet, ourSet) = try await (theirs, ours)
            if let prometheusSet, let ourSet {
                observations.append(Observation(time: (now + Date().timeIntervalSince1970) / 2, prometheus: prometheusSet, ours: ourSet))
            }
            try await Task.sleep(for: .milliseconds(250))
        }

        // Each side's set at every reading must appear on the other side within ±(interval + 0.5 s).
        let window = Self.interval + 0.5
        func unmatched(_ side: KeyPath<Observation, Set<String>>, against other: KeyPath<Observation, Set<String>>) -> [String] {
            observations.compactMap { observation in
                let matched = observations.contains {
                    abs($0.time - observation.time) <= window && $0[keyPath: other] == observation[keyPath: side]
                }
                return matched ? nil : String(format: "t=%.1f s: ", observation.time - start) + observation[keyPath: side].sorted().joined(separator: " | ")
            }
        }
        let oursUnmatched = unmatched(\.ours, against: \.prometheus)
        let theirsUnmatched = unmatched(\.prometheus, against: \.ours)
        let exact = observations.filter { $0.ours == $0.prometheus }.count
        print("live agreement: \(observations.count) readings, \(exact) identical at the same moment, "
            + "\(Set(observations.map(\.prometheus)).count) distinct firing sets")
        #expect(oursUnmatched.isEmpty, "our sets Prometheus never showed nearby:\n\(oursUnmatched.prefix(8).joined(separator: "\n"))")
        #expect(theirsUnmatched.isEmpty, "Prometheus's sets we never showed nearby:\n\(theirsUnmatched.prefix(8).joined(separator: "\n"))")
        // The run exercised something: many readings, several different sets, several alerts at once,
        // both severities of the templated label.
        #expect(observations.count > 100)
        #expect(Set(observations.map(\.prometheus)).count >= 8)
        #expect(observations.map(\.prometheus.count).max() ?? 0 >= 3)
        let everything = observations.reduce(into: Set<String>()) { $0.formUnion($1.prometheus) }.joined(separator: "\n")
        #expect(everything.contains("severity=critical") && everything.contains("severity=warning"))
        #expect(everything.contains("summary=router is down"), "\(everything)")
    }
}
