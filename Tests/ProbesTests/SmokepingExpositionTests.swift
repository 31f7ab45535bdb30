import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Continuous mode's exposition: clean under `promtool check metrics`, and the same names, label
/// names, HELP, TYPE and bucket bounds as the real smokeping_prober (a fixture recorded from
/// Debian's 0.6.1 by `Fixtures/smokeping/capture.sh`, and live when running as root).
@Suite struct SmokepingExpositionTests {
    typealias T = SmokepingTesting

    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smokeping").path
    static let realProber = "/usr/bin/prometheus-smokeping-prober"

    /// Our exposition for two loopback targets after two replies each.
    static func ours() async throws -> String {
        let box = try T.ConfigBox(T.config(targets: ["127.0.0.1", "127.0.0.2"]))
        let service = SmokepingService(config: box.reloadable, engine: FakeEchoEngine(), resolver: T.ScriptedResolver([:], validFor: .seconds(60)),
                                       logger: T.quietLogger, requestLimit: 2, resolveRetry: .seconds(1))
        try await T.running(service) {
            #expect(await T.waitUntil { ["127.0.0.1", "127.0.0.2"].allSatisfy { service.series(host: $0)?.snapshot.histogram.count == 2 } })
        }
        var text = ""
        service.writeExposition(into: &text)
        #expect(text == ExpositionEncoder.encode(service.families()), "the direct writer and the generic encoder must agree")
        return text
    }

    /// The smokeping_* families of an exposition (comment lines other than HELP/TYPE dropped).
    static func families(_ text: String) throws -> [String: MetricFamily] {
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") || $0.hasPrefix("# HELP ") || $0.hasPrefix("# TYPE ") }
            .joined(separator: "\n")
        return Dictionary(uniqueKeysWithValues: try ExpositionParser.parse(kept)
            .filter { $0.name.hasPrefix("smokeping_") && !$0.name.hasPrefix("smokeping_prober_") }
            .map { ($0.name, $0) })
    }

    @Test func directWriterMatchesTheEncoderWithDuplicatesErrorsAndEscapes() async throws {
        // Odd values on every family: duplicates, send errors, a TTL, sums that are not integers,
        // a source label, a device name as host.
        let fake = FakeEchoEngine(.init(delay: { _, sequence in .microseconds(137 * Int64(sequence + 1)) },
                                        duplicates: { _, index in index == 1 }, hopLimit: 57))
        var config = T.config(targets: ["127.0.0.3", "127.0.0.1"])
        config.smokeping?.sourceIPAddress = "127.0.0.1"
        config.smokeping?.hosts.append(.init(label: "pi-1_x.lan", address: "127.0.0.2"))
        let box = try T.ConfigBox(config)
        let service = SmokepingService(config: box.reloadable, engine: fake, resolver: T.ScriptedResolver([:], validFor: .seconds(60)),
                                       logger: T.quietLogger, requestLimit: 3, resolveRetry: .seconds(1))
        try await T.running(service) {
            #expect(await T.waitUntil { ["127.0.0.3", "127.0.0.1", "pi-1_x.lan"].allSatisfy { service.series(host: $0)?.snapshot.duplicates == 1 } })
        }
        var text = ""
        service.writeExposition(into: &text)
        #expect(text == ExpositionEncoder.encode(service.families()))
        #expect(text.contains("smokeping_response_ttl{host=\"pi-1_x.lan\",ip=\"127.0.0.2\",source=\"127.0.0.1\"} 57\n"))
    }

    @Test func passesPromtoolCheckMetrics() async throws {
        let text = try await Self.ours()
        let lint = try await Command.runOffPool("promtool", ["check", "metrics"], input: text)
        #expect(lint.status == 0, "promtool: \(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool: \(lint.stdout)\(lint.stderr)")
    }

    @Test func matchesTheRecordedSmokepingProber() async throws {
        let recorded = try String(contentsOfFile: Self.fixtureDirectory + "/smokeping_prober-0.6.1.prom", encoding: .utf8)
        try Self.compare(reference: Self.families(recorded), ours: Self.families(await Self.ours()))
    }

    /// The same comparison against the installed binary, live, when the test runs as root (it
    /// needs a raw ICMP socket) and Debian's prometheus-smokeping-prober is installed.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: realProber),
                   "needs root and /usr/bin/prometheus-smokeping-prober (apt-get install prometheus-smokeping-prober)"))
    func matchesTheInstalledSmokepingProberLive() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("smokeping_prober.yml", "targets: []\n")
        let port = try freeLoopbackPort()
        let prober = Process()
        prober.executableURL = URL(fileURLWithPath: Self.realProber)
        prober.arguments = ["--config.file=\(config)", "--privileged", "--web.listen-address=127.0.0.1:\(port)", "127.0.0.1", "127.0.0.2"]
        prober.standardOutput = FileHandle.nullDevice
        prober.standardError = FileHandle.nullDevice
        try prober.run()
        defer { kill(prober.processIdentifier, SIGKILL) }  // SIGKILL: swift test blocks SIGTERM (docs/pitfalls.md)
        var body = ""
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let response = try? await Curl.fetch("http://127.0.0.1:\(port)/metrics")
            if let response, response.status == 200,
               response.body.contains("smokeping_response_duration_seconds_count{host=\"127.0.0.2\"") {
                body = response.body
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let answered = !body.isEmpty
        try #require(answered, "smokeping_prober did not serve both hosts' series on 127.0.0.1:\(port)")
        try Self.compare(reference: Self.families(body), ours: Self.families(await Self.ours()))
    }

    /// Names, HELP, TYPE, label names (plus `source`, which smokeping_prober added in 0.7) and
    /// bucket bounds must match; our two families from 0.7+ (send and receive errors) are checked
    /// against smokeping_prober's source text.
    static func compare(reference: [String: MetricFamily], ours: [String: MetricFamily]) throws {
        #expect(Set(reference.keys) == ["smokeping_requests_total", "smokeping_response_duration_seconds",
                                         "smokeping_response_ttl", "smokeping_response_duplicates_total"])
        #expect(Set(ours.keys) == Set(reference.keys).union(["smokeping_send_errors_total", "smokeping_receive_errors_total"]))
        for (name, theirs) in reference {
            let mine = try #require(ours[name], "we lack \(name)")
            #expect(mine.help == theirs.help, "HELP of \(name)")
            #expect(mine.type == theirs.type, "TYPE of \(name)")
            #expect(Set(mine.samples.map(\.name)) == Set(theirs.samples.map(\.name)), "series names of \(name)")
            let theirLabels = Set(theirs.samples.flatMap(\.labels.keys))
            let myLabels = Set(mine.samples.flatMap(\.labels.keys))
            #expect(myLabels == theirLabels.union(["source"]), "label names of \(name)")
            // Same host and ip values for the same targets.
            #expect(Set(mine.samples.map { "\($0.labels["host"]!)/\($0.labels["ip"]!)" })
                    == Set(theirs.samples.map { "\($0.labels["host"]!)/\($0.labels["ip"]!)" }))
        }
        func bounds(_ family: MetricFamily?) -> [Double] {
            (family?.samples ?? []).filter { $0.name.hasSuffix("_bucket") && $0.labels["host"] == "127.0.0.1" }
                .compactMap { $0.labels["le"].flatMap(Double.init) }.sorted()
        }
        let theirBounds = bounds(reference["smokeping_response_duration_seconds"])
        #expect(theirBounds.count == 21)
        #expect(bounds(ours["smokeping_response_duration_seconds"]) == theirBounds)
        #expect(ours["smokeping_send_errors_total"]?.help == "The number of errors when Pinger attempts to send packets.")
        #expect(ours["smokeping_send_errors_total"]?.type == .counter)
        #expect(ours["smokeping_receive_errors_total"]?.help == "The number of errors when Pinger attempts to receive packets.")
        #expect(ours["smokeping_receive_errors_total"]?.samples.map(\.labels) == [[:]], "process-wide, no labels")
    }

    @Test func bucketBoundsAreWrittenAsSmokepingProberWritesThem() async throws {
        let text = try await Self.ours()
        let recorded = try String(contentsOfFile: Self.fixtureDirectory + "/smokeping_prober-0.6.1.prom", encoding: .utf8)
        func les(_ text: String) -> [String] {
            text.split(separator: "\n").filter { $0.hasPrefix("smokeping_response_duration_seconds_bucket{host=\"127.0.0.1\"") }
                .map { line in String(line[line.range(of: "le=\"")!.upperBound...].prefix { $0 != "\"" }) }
        }
        #expect(les(text) == les(recorded))
    }
}
