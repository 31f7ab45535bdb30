import Foundation
import Logging
import Synchronization
import Testing
@testable import VandineCore

@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    func logger(_ format: LogFormat, into lines: Lines) -> Logger {
        Logger(label: "vandine-exporter") { label in
            LineLogHandler(label: label, level: .info, format: format) { line in lines.lines.withLock { $0.append(line) } }
        }
    }

    @Test func logfmtQuotesWhatNeedsQuotingAndKeepsOneLine() throws {
        let lines = Lines()
        logger(.logfmt, into: lines).error("reload failed", metadata: ["err": "a.yml:1:1: bad \"x\"\nnext", "file": "a.yml"])
        let line = try #require(lines.all.first)
        #expect(line.hasPrefix("ts="))
        #expect(line.hasSuffix(" level=error caller=vandine-exporter msg=\"reload failed\" err=\"a.yml:1:1: bad \\\"x\\\"\\nnext\" file=a.yml\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func jsonIsValidJSON() throws {
        let lines = Lines()
        logger(.json, into: lines).warning("hello", metadata: ["k": "v\u{1}"])
        let line = try #require(lines.all.first)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["level"] == "warning")
        #expect(object?["msg"] == "hello")
        #expect(object?["k"] == "v\u{1}")
    }

    @Test func levelFilters() {
        let lines = Lines()
        logger(.logfmt, into: lines).debug("hidden")
        #expect(lines.all.isEmpty)
    }
}

@Suite struct ReloadableConfigTests {
    struct Broken: Error {}

    @Test func failedReloadKeepsTheOldValueAndRecordsTheError() throws {
        let next = Mutex<Int?>(1)
        let config = try ReloadableConfig { () throws -> Int in
            guard let value = next.withLock({ $0 }) else { throw Broken() }
            return value
        }
        #expect(config.current == 1)
        #expect(config.lastReloadSuccessful)
        next.withLock { $0 = nil }
        #expect((try? config.reload().get()) == nil)
        #expect(config.current == 1)
        #expect(!config.lastReloadSuccessful)
        #expect(config.lastError == "Broken()")
        next.withLock { $0 = 2 }
        #expect((try? config.reload().get()) != nil)
        #expect(config.current == 2)
        #expect(config.lastReloadSuccessful)
        #expect(config.lastError == nil)
    }
}

@Suite struct ListenAddressTests {
    @Test func parsesPrometheusForms() {
        #expect(ListenAddress(":10110")?.host == "", "empty host: every address of both families")
        #expect(ListenAddress(":10110")?.bindHost == "::", "the IPv6 wildcard takes IPv4 too (bindv6only=0)")
        #expect(ListenAddress("0.0.0.0:10110")?.bindHost == "0.0.0.0")
        #expect(ListenAddress("[::1]:10110")?.bindHost == "::1")
        #expect(ListenAddress("localhost:10110")?.host == "localhost")
        #expect(ListenAddress("::1:10110") == nil, "IPv6 needs brackets")
        #expect(ListenAddress("[127.0.0.1]:10110") == nil)
        #expect(ListenAddress(":+80") == nil)
        #expect(ListenAddress("127.0.0.1:9")?.host == "127.0.0.1")
        #expect(ListenAddress("[::1]:10110")?.host == "::1")
        #expect(ListenAddress("10110") == nil)
        #expect(ListenAddress("host:port") == nil)
        #expect(ListenAddress(":70000") == nil)
    }
}

@Suite struct ConfigRendererTests {
    @Test func renderingParsesBackToTheSameConfig() throws {
        let loader = ConfigLoader(environment: ["PI_PASSWORD": "s3cret"])
        let original = try loader.load(path: ConfigLoaderTests.fixtures + "/valid-full.yml")
        let rendered = ConfigRenderer.render(original)
        #expect(!rendered.contains("s3cret"))
        #expect(rendered.contains("password: <secret>"))
        var reparsed = try loader.parse(yaml: rendered, file: "rendered.yml")
        // The secret is redacted in the rendering, so only it differs.
        reparsed.devices[0].ssh?.password = original.devices[0].ssh?.password
        #expect(reparsed == original)
    }

    @Test func awkwardCharactersSurviveTheRoundTrip() throws {
        // C1 controls, NEL, line/paragraph separators and non-characters: YAML must see them escaped.
        let value = "a\u{80}b\u{85}c\u{2028}d\u{FFFE}e\u{7F}\"\\\n\t"
        let config = ExporterConfig(devices: [DeviceConfig(name: "pi1", address: "127.0.0.1", labels: ["note": value])])
        let reparsed = try ConfigLoader(environment: [:]).parse(yaml: ConfigRenderer.render(config), file: "rendered.yml")
        #expect(reparsed.devices.first?.labels["note"] == value)
    }
}
