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
}
