import AlertCore
import Foundation
import Testing
import TestSupport

/// The real `alertmanager-lite` binary: it starts on a garbage, empty or truncated state file
/// (moving a bad one aside), keeps pushed alerts across a restart, and its /metrics passes promtool.
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

    /// The other bad state files at daemon start: an empty file is used as a new store; a header cut
    /// short and a real state file cut in half are moved aside with a logged error. Each time the
    /// daemon starts, serves, and keeps what is pushed to it afterwards.
    @Test(.timeLimit(.minutes(1)), arguments: ["empty", "truncated header", "truncated database"])
    func startsOnABadStateFile(_ kind: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state.db"
        switch kind {
        case "empty":
            _ = FileManager.default.createFile(atPath: state, contents: Data())
        case "truncated header":
            try Data("SQLite format 3\0".utf8 + [0x10, 0x00]).write(to: URL(fileURLWithPath: state))
        default:
            let full = try await ExporterProcess.started(arguments: ["--storage.path", state], binary: VersionTests.binary)
            let alerts = (0..<600).map { #"{"labels":{"alertname":"Filler","n":"\#($0)"},"annotations":{"summary":"padding padding padding"}}"# }
            let post = try await Curl.fetch(full.url("/api/v2/alerts"), method: "POST", extra: [
                "-H", "Content-Type: application/json", "--data", "[" + alerts.joined(separator: ",") + "]",
            ])
            #expect(post.status == 200, "\(post.body)")
            full.stop()
            try SQLiteDatabase(path: state).execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: state))
            #expect(bytes.count > 40_000)
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: state))
        }
        let daemon = try await ExporterProcess.started(arguments: ["--storage.path", state], binary: VersionTests.binary)
        defer { daemon.stop() }
        let moved = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("state.db.corrupt-") }
        if kind == "empty" {
            #expect(moved.isEmpty && !daemon.log.contains("level=error"), "\(moved) \(daemon.log)")
        } else {
            #expect(moved.count == 1, "\(moved)")
            #expect(daemon.log.contains("level=error") && daemon.log.contains("moved aside"), "\(daemon.log)")
        }
        #expect(try await Curl.fetch(daemon.url("/-/ready")).status == 200)
        let list = try await Curl.fetch(daemon.url("/api/v2/alerts"))
        #expect(list.status == 200 && list.body.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(list.body)")
        let post = try await Curl.fetch(daemon.url("/api/v2/alerts"), method: "POST", extra: [
            "-H", "Content-Type: application/json", "--data", #"[{"labels":{"alertname":"AfterTheBadFile"}}]"#,
        ])
        #expect(post.status == 200, "\(post.body)")
        daemon.stop()
        let again = try await ExporterProcess.started(arguments: ["--storage.path", state], binary: VersionTests.binary)
        defer { again.stop() }
        #expect(try await Curl.fetch(again.url("/api/v2/alerts")).body.contains("AfterTheBadFile"))
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
