import Foundation
import Testing
import TestSupport

@Suite struct VersionTests {
    /// The debug build of `alertmanager-lite` next to the package.
    static var binary: String {
        URL(fileURLWithPath: ExporterProcess.binary).deletingLastPathComponent().appendingPathComponent("alertmanager-lite").path
    }

    @Test func versionFlagPrintsTheVersion() throws {
        let result = try Command.run(Self.binary, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("0.") || result.stdout.contains("."))
    }
}
