import AlertCore
import Foundation
import Testing
import TestSupport

/// The real `alertmanager-lite` binary: it starts on a garbage state file (moving it aside), keeps
/// pushed alerts across a restart, and its /metrics passes promtool.
@Suite struct DaemonTests {
    @Test(.timeLimit(.minutes(1)))
    func startsOnAGarbageStateFileAndKeepsPushedAlertsAcrossARestart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = try dir.write("state.db", "this is a text file, not a database\n")
        let first = try await ExporterProcess.started(arguments: ["--storage.path", state], binary: VersionTests.binary)
        let moved = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("state.db.corrupt-") }
        #expect(moved.count == 1, "\(moved)")
        #expect(first.log.contains("level=error") && first.log.contains("moved aside"), "\(first.log)")

        let post = try await Curl.fetch(first.url("/api/v2/alerts"), method: "POST", extra: [
            "-H", "Content-Type: application/json", "--data", #"[{"labels":{"alertname":"Survivor","job":"x"}}]"#,
        ])
        #expect(post.status == 200, "\(post.body)")
        let metrics = try await Curl.fetch(first.url("/metrics"))
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: metrics.body)
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(metrics.body.contains("alertmanager_lite_pushed_alerts{state=\"active\"} 1"))
        first.stop()

        let second = try await ExporterProcess.started(arguments: ["--storage.path", state], binary: VersionTests.binary)
        defer { second.stop() }
        #expect(!second.log.contains("level=error"), "\(second.log)")
        let list = try await Curl.fetch(second.url("/api/v2/alerts"))
        #expect(list.body.contains("\"alertname\":\"Survivor\""), "\(list.body)")
        let page = try await Curl.fetch(second.url("/"))
        #expect(page.status == 200 && page.body.contains("Survivor"))
    }

    /// `kill -9` while batches of pushed alerts are being written: every batch is in the file
    /// completely or not at all (one transaction per request), and the file opens cleanly.
    @Test(.timeLimit(.minutes(1)))
    func killDashNineLeavesOnlyWholeBatches() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        let daemon = try await ExporterProcess.started(arguments: ["--storage.path", path], binary: VersionTests.binary)
        let batchSize = 50
        let url = daemon.url("/api/v2/alerts")
        let writer = Task {
            var sent = 0
            for batch in 0..<1000 {
                let alerts = (0..<batchSize).map { #"{"labels":{"alertname":"Crash","batch":"\#(batch)","n":"\#($0)"}}"# }
                let response = try await Curl.fetch(url, method: "POST", extra: [
                    "-H", "Content-Type: application/json", "--data", "[" + alerts.joined(separator: ",") + "]",
                ])
                guard response.status == 200 else { break }
                sent += 1
            }
            return sent
        }
        try await Task.sleep(for: .milliseconds(Int.random(in: 400...900)))
        daemon.send(SIGKILL)
        let sent = try await writer.value
        while daemon.process.isRunning { try await Task.sleep(for: .milliseconds(10)) }

        let log = CapturedLog()
        let store = AlertStateStore.open(path: path, logger: log.logger)
        #expect(store.openOutcome == .opened(migratedFrom: StoreSchema.latestVersion))
        let batches = Dictionary(grouping: try store.loadPushedAlerts(), by: { $0.labels["batch"]! }).mapValues(\.count)
        #expect(batches.values.allSatisfy { $0 == batchSize }, "\(batches)")
        // Every acknowledged batch is there; at most the one in flight at the kill may be too.
        #expect(batches.count >= sent && batches.count <= sent + 1, "sent \(sent), stored \(batches.count)")
        print("kill -9 test: \(sent) batches acknowledged, \(batches.count) stored")
        #expect(sent > 0)
        #expect(log.errors.isEmpty, "\(log.errors)")
    }
}
