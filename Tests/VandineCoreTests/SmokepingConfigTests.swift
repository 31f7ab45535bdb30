import Foundation
import Testing
@testable import VandineCore

/// The `smokeping:` section: every key, the defaults, the rendering. Its errors are fixtures
/// (`invalid-smokeping-*.yml` with their exact `.err` lines) run by ConfigLoaderTests.
@Suite struct SmokepingConfigTests {
    static let fixtures = ConfigLoaderTests.fixtures

    @Test func everyKeyIsRead() throws {
        let config = try ConfigLoader(environment: [:]).load(path: Self.fixtures + "/valid-smokeping.yml")
        let smokeping = try #require(config.smokeping)
        #expect(smokeping.interval == PrometheusDuration(milliseconds: 500))
        #expect(smokeping.devices == ["pi1", "router"])
        #expect(smokeping.targets == ["127.0.0.2", "localhost", "::1"])
        #expect(smokeping.hosts == [
            .init(label: "pi1", address: "127.0.0.1"), .init(label: "router", address: "localhost"),
            .init(label: "127.0.0.2", address: "127.0.0.2"), .init(label: "localhost", address: "localhost"),
            .init(label: "::1", address: "::1"),
        ])
        #expect(smokeping.metricsPath == "/smokeping/metrics")
        #expect(smokeping.payloadSize == 24)
        #expect(smokeping.buckets == [0.0005, 0.001, 0.01])
        #expect(smokeping.ttl == 32)
        #expect(smokeping.sourceIPAddress == "127.0.0.1")
        #expect(smokeping.ipProtocol == IPProtocolPreference(preferred: .ip6, fallback: false))
    }

    @Test func defaultsAreSmokepingProbers() throws {
        let config = try ConfigLoader(environment: [:]).load(path: Self.fixtures + "/valid-smokeping-defaults.yml")
        let smokeping = try #require(config.smokeping)
        #expect(smokeping.interval == .seconds(1))
        #expect(smokeping.metricsPath == "/metrics")
        #expect(smokeping.payloadSize == 56)
        #expect(smokeping.ttl == nil && smokeping.sourceIPAddress == nil)
        #expect(smokeping.ipProtocol == IPProtocolPreference(preferred: .ip4, fallback: true))
        // prometheus.ExponentialBuckets(0.00005, 2, 20), as smokeping_prober's --buckets default.
        let flag = "5e-05,0.0001,0.0002,0.0004,0.0008,0.0016,0.0032,0.0064,0.0128,0.0256,0.0512,0.1024,0.2048,0.4096,0.8192,1.6384,3.2768,6.5536,13.1072,26.2144"
        #expect(smokeping.buckets == flag.split(separator: ",").map { Double($0)! })
        #expect(smokeping.buckets.map(ExpositionEncoder.formatValue).joined(separator: ",") == flag)
    }

    @Test func noSectionMeansNoContinuousMode() throws {
        #expect(try ConfigLoader(environment: [:]).parse(yaml: "devices: []\n", file: "t.yml").smokeping == nil)
    }

    @Test func renderedSectionLoadsBackUnchanged() throws {
        let loader = ConfigLoader(environment: [:])
        let config = try loader.load(path: Self.fixtures + "/valid-smokeping.yml")
        let rendered = ConfigRenderer.render(config)
        #expect(rendered.contains("smokeping:\n  interval: 500ms\n"))
        let again = try loader.parse(yaml: rendered, file: "rendered.yml")
        #expect(again.smokeping == config.smokeping)
    }
}
