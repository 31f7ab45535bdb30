import Foundation
import Testing
import TestSupport

/// `vandine-exporter probe`, the real binary: targets files as editors write them, and exit
/// statuses scripts can rely on (0 all succeeded, 1 a probe failed, 2 a target was refused).
@Suite struct ProbeCommandTests {
    static let config = """
        modules:
          tcp_connect: {prober: tcp, timeout: 2s}
          icmp: {prober: icmp, timeout: 2s, icmp: {preferred_ip_protocol: ip4, packets: 2, interval: 20ms}}
        icmp: {privileged: true}
        allowed_targets: [127.0.0.0/8]
        """

    @Test func exitStatusSaysWhetherEveryProbeSucceeded() async throws {
        let open = try await TCPTestServer()
        let closed = try ClosedTCPPort()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("vandine.yml", Self.config)
        func probe(_ targets: [String]) async throws -> CommandResult {
            try await Command.runOffPool(ExporterProcess.binary,
                                         ["probe", "--config.file", config, "--module", "tcp_connect"] + targets.flatMap { ["--target", $0] })
        }
        let up = try await probe(["127.0.0.1:\(open.port)"])
        #expect(up.status == 0 && up.stdout.contains("probe_success 1"), "\(up)")
        let down = try await probe(["127.0.0.1:\(closed.port)"])
        #expect(down.status == 1 && down.stdout.contains("probe_success 0"), "one failed probe: \(down)")
        let mixed = try await probe(["127.0.0.1:\(open.port)", "127.0.0.1:\(closed.port)"])
        #expect(mixed.status == 1)
        #expect(mixed.stdout.split(separator: "\n").map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            == ["127.0.0.1:\(open.port) success=1", "127.0.0.1:\(closed.port) success=0"])
        let refused = try await probe(["10.1.2.3:22"])
        #expect(refused.status == 2 && refused.stderr.contains("not a configured device and not in allowed_targets"), "\(refused)")
        await open.stop()
    }

    /// A targets file with CRLF line ends (and comment and blank lines) is read line by line.
    @Test(.enabled(if: getuid() == 0, "the icmp sweep needs raw sockets here"))
    func aCRLFTargetsFileIsSweptLineByLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("vandine.yml", Self.config)
        let targets = try directory.write("targets", "127.0.0.1\r\n# a comment\r\n\r\n  127.0.0.2  \r\n127.0.0.3\n")
        let result = try await Command.runOffPool(ExporterProcess.binary,
                                                  ["probe", "--config.file", config, "--module", "icmp", "--targets-file", targets])
        let lines = result.stdout.split(separator: "\n")
        #expect(result.status == 0, "\(result)")
        #expect(lines.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            == ["127.0.0.1 success=1", "127.0.0.2 success=1", "127.0.0.3 success=1"])
        #expect(lines.allSatisfy { $0.contains("icmp_packets_received=2") })
        let empty = try directory.write("empty", "# nothing\r\n\r\n")
        let none = try await Command.runOffPool(ExporterProcess.binary,
                                                ["probe", "--config.file", config, "--module", "icmp", "--targets-file", empty])
        #expect(none.status == 2 && none.stderr.contains("has no targets"), "\(none)")
    }
}
