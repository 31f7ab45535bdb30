import ArgumentParser
import Foundation
import Testing
@testable import AlertManagerLite

/// `alertmanager-lite check-config FILE`: exit 0 for a valid file, 1 (ExitCode) for an invalid one.
/// The fixtures are AlertCoreTests' (the logic lives in AlertCore's ConfigCheck).
@Suite struct CheckConfigCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../AlertCoreTests/Fixtures/config").standardized.path

    @Test func validConfigExitsZero() throws {
        // valid-minimal names no rule files, so promtool does not run on the test's thread.
        try CheckConfigCommand.parse([Self.fixtures + "/valid-minimal.yml"]).run()
    }

    @Test func invalidConfigExitsOne() throws {
        do {
            try CheckConfigCommand.parse([Self.fixtures + "/invalid-url.yml"]).run()
            Issue.record("check-config accepted invalid-url.yml")
        } catch let exit as ExitCode {
            #expect(exit == ExitCode(1))
        }
    }

    @Test func fileArgumentIsRequired() {
        #expect(throws: (any Error).self) { try CheckConfigCommand.parse([]) }
    }
}
