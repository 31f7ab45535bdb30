import Foundation
import Testing
import TestSupport

/// The real `vandine-exporter` binary with its embedded default config (what `make run` starts),
/// on a machine without a tunnel connector: the cloudflared module answers `probe_success 0`, and
/// `debug=true` says why; the output passes promtool as it is.
@Suite struct CloudflaredEndToEndTests {
    @Test func theEmbeddedDefaultReportsAMissingConnectorWithTheReason() async throws {
        let exporter = try await ExporterProcess.started(arguments: [])
        defer { exporter.stop() }
        let probe = try await Curl.fetch(exporter.url("/probe?module=cloudflared&target=localhost"))
        #expect(probe.status == 200)
        if probe.body.contains("probe_success 1\n") {
            print("skipped theEmbeddedDefaultReportsAMissingConnectorWithTheReason: a cloudflared metrics server answers on this machine")
            return
        }
        #expect(probe.body.contains("probe_success 0\n"), "\(probe.body)")
        #expect(probe.body.contains("vandine_tunnel_up 0\n"), "\(probe.body)")
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: probe.body)
        #expect(lint.status == 0 && lint.stdout.isEmpty, "\(lint.stdout)\(lint.stderr)")

        let debug = try await Curl.fetch(exporter.url("/probe?module=cloudflared&target=localhost&debug=true"))
        #expect(debug.body.contains("no cloudflared metrics server on 127.0.0.1: connection refused on ports 20241, 20242, 20243, 20244, 20245"),
                "\(debug.body)")
    }
}
