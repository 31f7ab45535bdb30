import AlertCore
import Foundation
import Testing
import TestSupport

/// What the daemon-level rule tests share: an alert as `/api/v1/alerts` lists it (ours and
/// Prometheus's have the same shape), bounded polling, a scrape target whose exposition the test
/// rewrites, and a Prometheus the test can kill and start again on the same port and TSDB.
struct ListedAlert: Hashable, CustomStringConvertible {
    var labels: [String: String]
    var annotations: [String: String]
    var state: String
    /// RFC 3339 as the API wrote it.
    var activeAt: String

    var name: String { labels["alertname"] ?? "" }
    /// `activeAt` in Unix seconds.
    var activeSeconds: Double? { RFC3339Time.parse(activeAt) }
    /// Labels and annotations only: what the live comparison compares.
    var identity: String {
        let labels = self.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let annotations = self.annotations.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "{\(labels)} [\(annotations)]"
    }

    var description: String { "\(state) \(identity) activeAt=\(activeAt)" }

    /// `GET base/api/v1/alerts` (Prometheus's JSON); nil when nothing or no success answered.
    static func fetch(_ base: String) async throws -> [ListedAlert]? {
        let response = try await Curl.fetch(base + "/api/v1/alerts")
        guard response.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              object["status"] as? String == "success",
              let list = (object["data"] as? [String: Any])?["alerts"] as? [[String: Any]] else { return nil }
        return list.map { alert in
            ListedAlert(labels: alert["labels"] as? [String: String] ?? [:], annotations: alert["annotations"] as? [String: String] ?? [:],
                        state: alert["state"] as? String ?? "", activeAt: alert["activeAt"] as? String ?? "")
        }
    }
}

/// Calls `attempt` every `every` seconds until it returns a value or `timeout` seconds passed.
func poll<T>(timeout: Double, every: Double = 0.25, _ attempt: () async throws -> T?) async throws -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let value = try await attempt() { return value }
        guard Date() < deadline else { return nil }
        try await Task.sleep(for: .milliseconds(Int(every * 1000)))
    }
}

/// The value of the first sample of `name` in an exposition (nil when absent).
func sampleValue(_ exposition: String, _ name: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}

/// A scrape target: Python's `http.server` serving a folder whose `metrics` file the test
/// rewrites (atomically, so a scrape never sees half a file).
final class FlippableTarget: @unchecked Sendable {
    let directory: TemporaryDirectory
    let port: Int
    private let server: PrometheusPushTests.Child

    init(exposition: String) throws {
        directory = try TemporaryDirectory()
        port = try freeLoopbackPort()
        _ = try directory.write("metrics", exposition)
        server = try PrometheusPushTests.Child("/usr/bin/python3", [
            "-m", "http.server", "--bind", "127.0.0.1", String(port), "--directory", directory.path,
        ], logFile: directory.path + "/server.log")
    }

    /// Replaces what `/metrics` serves.
    func serve(_ exposition: String) throws { _ = try directory.write("metrics", exposition) }

    var address: String { "127.0.0.1:\(port)" }

    func stop() {
        server.kill()
        directory.remove()
    }
}

/// A Prometheus whose port and TSDB outlive the process, so a test can kill it (SIGKILL) and start
/// it again where it was.
final class RestartablePrometheus: @unchecked Sendable {
    let directory: String
    let port: Int
    private var child: PrometheusPushTests.Child?

    /// Writes `config` (YAML) to `directory`/prometheus.yml; does not start it.
    init(directory: String, config: String) throws {
        self.directory = directory
        port = try freeLoopbackPort()
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts it and waits (up to 60 s) until `/-/ready` answers 200.
    func start() async throws {
        child = try PrometheusPushTests.Child("/usr/bin/prometheus", [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/tsdb",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ], logFile: directory + "/prometheus.log")
        let ready = try await poll(timeout: 60) { () async throws -> Bool? in
            try await Curl.fetch(url + "/-/ready").status == 200 ? true : nil
        }
        guard ready != nil else {
            throw StartFailure(description: "prometheus did not become ready: \(log.suffix(2000))")
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    var log: String { (try? String(contentsOfFile: directory + "/prometheus.log", encoding: .utf8)) ?? "" }

    /// SIGKILL and reap.
    func kill() { child?.kill() }
}

/// Starts `alertmanager-lite` with `config` written to `dir`/alertmanager-lite.yml and the state in
/// `dir`/state.db.
func startAlertmanagerLite(in dir: TemporaryDirectory, config: String, logLevel: String = "info") async throws -> ExporterProcess {
    let file = try dir.write("alertmanager-lite.yml", config)
    return try await ExporterProcess.started(arguments: ["--config.file", file, "--storage.path", dir.path + "/state.db",
                                                         "--log.level", logLevel],
                                             binary: VersionTests.binary)
}

/// Whether Debian's Prometheus is installed; records an issue when not.
func prometheusInstalled() -> Bool {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
        Issue.record("prometheus is not installed (make test-deps)")
        return false
    }
    return true
}
