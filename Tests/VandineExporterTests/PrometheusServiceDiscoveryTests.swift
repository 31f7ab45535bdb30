import Foundation
import Testing
import TestSupport

/// `/sd` read by the real Prometheus (Debian's `prometheus`): an `http_sd_configs` job pointed at
/// the exporter must turn every configured and every discovered (device, module) into a target
/// that scrapes healthy with `probe_success 1`. As root: the exporter pings over raw sockets, and
/// discovery sweeps 127.0.5.0/29 (loopback: all of 127/8 answers).
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus"),
                "needs root (raw ICMP) and Debian's prometheus"))
struct PrometheusServiceDiscoveryTests {
    @Test func everyConfiguredAndDiscoveredTargetIsHealthyInPrometheus() async throws {
        let service = try await TCPTestServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vandine-sd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let exporterConfig = directory.appendingPathComponent("vandine.yml").path
        try """
            icmp: {privileged: true}
            modules:
              icmp: {prober: icmp, timeout: 3s, icmp: {preferred_ip_protocol: ip4}}
              tcp_connect: {prober: tcp, timeout: 3s}
              services: {prober: services, timeout: 3s}
            devices:
              - name: self
                address: 127.0.0.1
                modules: [icmp, services]
                services:
                  - {name: listener, port: \(service.port)}
            discovery:
              networks: [127.0.5.0/29]
              interval: 1m
              timeout: 500ms
              modules: [icmp]
            """.write(toFile: exporterConfig, atomically: true, encoding: .utf8)
        let exporter = try await ExporterProcess.started(arguments: ["--config.file", exporterConfig])
        defer { exporter.stop() }

        // The exporter's /sd, once the first sweep has found the six hosts of 127.0.5.0/29.
        var expected: Set<String> = []
        let sdDeadline = Date().addingTimeInterval(20)
        while Date() < sdDeadline {
            expected = try Self.targets(inSD: try await Curl.fetch(exporter.url("/sd")).body)
            if expected.filter({ $0.hasPrefix("127.0.5.") }).count == 6 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let configured: Set<String> = ["self icmp", "self services", "self:\(service.port) tcp_connect"]
        #expect(configured.isSubset(of: expected), "\(expected)")
        #expect(expected.subtracting(configured) == Set((1...6).map { "127.0.5.\($0) icmp" }), "\(expected)")

        let prometheusPort = try freeLoopbackPort()
        let prometheusConfig = directory.appendingPathComponent("prometheus.yml").path
        try """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: vandine
                metrics_path: /probe
                http_sd_configs:
                  - url: \(exporter.url("/sd"))
                    refresh_interval: 1s
                relabel_configs:
                  - source_labels: [__param_target]
                    target_label: instance
                  - target_label: __address__
                    replacement: 127.0.0.1:\(exporter.port)
            """.write(toFile: prometheusConfig, atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = ["--config.file", prometheusConfig, "--storage.tsdb.path", directory.appendingPathComponent("data").path,
                                "--web.listen-address", "127.0.0.1:\(prometheusPort)"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        // SIGKILL: children of `swift test` inherit a mask that blocks SIGTERM (docs/pitfalls.md).
        defer { kill(prometheus.processIdentifier, SIGKILL); prometheus.waitUntilExit() }

        // Prometheus's own view: every target up, and every probe a success.
        let api = "http://127.0.0.1:\(prometheusPort)/api/v1"
        var healthy: Set<String> = []
        var succeeded: Set<String> = []
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            healthy = (try? Self.healthyTargets(try await Curl.fetch("\(api)/targets?state=active").body)) ?? []
            succeeded = (try? Self.successfulProbes(try await Curl.fetch("\(api)/query?query=probe_success").body)) ?? []
            if expected.isSubset(of: healthy), expected.isSubset(of: succeeded) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(expected.subtracting(healthy).isEmpty, "not healthy in Prometheus: \(expected.subtracting(healthy))")
        #expect(expected.subtracting(succeeded).isEmpty, "probe_success not 1: \(expected.subtracting(succeeded))")
        await service.stop()
    }

    /// "target module" for each `/sd` group.
    static func targets(inSD body: String) throws -> Set<String> {
        let groups = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] ?? []
        return Set(groups.compactMap { group in
            guard let labels = group["labels"] as? [String: String],
                  let target = labels["__param_target"], let module = labels["__param_module"] else { return nil }
            return "\(target) \(module)"
        })
    }

    /// "target module" for each active target whose last scrape was healthy.
    static func healthyTargets(_ body: String) throws -> Set<String> {
        let root = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let active = (root?["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
        return Set(active.compactMap { target in
            guard target["health"] as? String == "up", let labels = target["discoveredLabels"] as? [String: String],
                  let name = labels["__param_target"], let module = labels["__param_module"] else { return nil }
            return "\(name) \(module)"
        })
    }

    /// "instance module" for each `probe_success` sample equal to 1 (the job relabels the target
    /// into `instance`; /sd sets `module`).
    static func successfulProbes(_ body: String) throws -> Set<String> {
        let root = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let results = (root?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return Set(results.compactMap { sample in
            guard let metric = sample["metric"] as? [String: String], let value = sample["value"] as? [Any],
                  value.count == 2, value[1] as? String == "1",
                  let instance = metric["instance"], let module = metric["module"] else { return nil }
            return "\(instance) \(module)"
        })
    }
}
