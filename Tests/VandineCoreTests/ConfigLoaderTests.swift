import Foundation
import Testing
@testable import VandineCore

/// The configuration loader against the fixture folder: every `invalid-*.yml` must fail with the
/// exact line in its `.err` twin, every `valid-*.yml` must load.
@Suite struct ConfigLoaderTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/config").path
    static let loader = ConfigLoader(environment: ["PI_PASSWORD": "s3cret"])

    static var invalidFixtures: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: fixtures))?
            .filter { $0.hasPrefix("invalid-") && $0.hasSuffix(".yml") }.sorted() ?? []
    }

    @Test func thereAreAtLeastFifteenInvalidFixtures() {
        #expect(Self.invalidFixtures.count >= 15)
    }

    @Test(arguments: invalidFixtures)
    func invalidFixtureFailsWithItsExactError(_ name: String) throws {
        let path = Self.fixtures + "/" + name
        let expected = try String(contentsOfFile: path.replacingOccurrences(of: ".yml", with: ".err"), encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        do {
            _ = try Self.loader.load(path: path)
            Issue.record("\(name) loaded but should fail with: \(expected)")
        } catch {
            #expect(error.description == expected)
            // Bytes, not Characters: "\r\n" is one Character and would hide a line break.
            #expect(!error.description.utf8.contains(10) && !error.description.utf8.contains(13), "errors are one line")
        }
    }

    @Test func fullConfigLoadsEveryKey() throws {
        let config = try Self.loader.load(path: Self.fixtures + "/valid-full.yml")
        #expect(config.modules.count == 2)
        let banner = try #require(config.modules["ssh_banner"])
        #expect(banner.prober == "tcp")
        #expect(banner.timeout == PrometheusDuration(milliseconds: 90_000))
        #expect(banner.interval == PrometheusDuration.seconds(300))
        #expect(banner.options == .tcp(TCPOptions(ipProtocol: IPProtocolPreference(preferred: .ip6, fallback: false),
                                                  queryResponse: [.init(expect: RegularExpression("^SSH-2\\.0-"))], port: 22)))
        #expect(config.modules["tcp_connect"]?.timeout == .seconds(3))
        #expect(config.devices.map(\.name) == ["pi1", "router"])
        let pi1 = config.devices[0]
        #expect(pi1.labels == ["role": "nas", "site": "home"])
        #expect(pi1.modules == ["tcp_connect", "ssh_banner"])
        #expect(pi1.ssh?.port == 2222)
        #expect(pi1.ssh?.password?.reveal() == "s3cret")
        #expect(pi1.ssh?.knownHostsFile == Self.fixtures + "/known_hosts")
        #expect(pi1.ssh?.trustOnFirstUse == true && pi1.ssh?.useAgent == true && pi1.ssh?.insecureIgnoreHostKey == false)
        #expect(pi1.ssh?.kexAlgorithms == ["curve25519-sha256", "diffie-hellman-group14-sha1"])
        #expect(pi1.ssh?.hostKeyAlgorithms == ["ssh-ed25519", "ssh-rsa"])
        #expect(pi1.ssh?.ciphers == ["aes128-ctr", "aes256-ctr"])
        #expect(pi1.ssh?.macs == ["hmac-sha2-256"])
        #expect(pi1.services == [ServiceConfig(name: "ssh", port: 22, module: "ssh_banner"), ServiceConfig(name: "http", port: 80)])
        #expect(config.allowedTargets.networks.map(\.description) == ["127.0.0.0/8", "::1/128"])
        #expect(config.allowedTargets.hostPatterns == ["*.lan"])
    }

    @Test func emptyDocumentIsAnEmptyConfig() throws {
        let config = try Self.loader.load(path: Self.fixtures + "/valid-empty.yml")
        #expect(config == ExporterConfig())
    }

    @Test func secretFileIsReadRelativeToTheConfigAndLosesItsNewline() throws {
        let config = try Self.loader.load(path: Self.fixtures + "/valid-secret-file.yml")
        #expect(config.devices[0].ssh?.password?.reveal() == "s3cret-from-file")
    }

    @Test func secretsNeverPrintThemselves() throws {
        let config = try Self.loader.load(path: Self.fixtures + "/valid-full.yml")
        let printed = "\(config) \(String(describing: config)) \(String(reflecting: config))"
        #expect(!printed.contains("s3cret"))
    }

    @Test func missingFileIsOneLine() {
        #expect(throws: ConfigError(file: "/nonexistent/vandine.yml", line: nil, column: nil, path: "", message: "cannot read file: No such file or directory")) {
            try Self.loader.load(path: "/nonexistent/vandine.yml")
        }
    }

    @Test func shippedExampleIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigLoader(environment: [:]).load(path: root.appendingPathComponent("examples/vandine.yml").path)
        #expect(config.devices.map(\.name) == ["pi0", "pi1", "router"])
    }

    @Test func embeddedDefaultConfigIsValid() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(), file: "<default>")
        #expect(!config.modules.isEmpty)
        #expect(!config.devices.isEmpty)
        // Its self-checks follow the port the exporter listens on (--web.listen-address).
        let exporterPorts = { (config: ExporterConfig) in
            config.devices.flatMap(\.services).filter { $0.name.hasPrefix("vandine-exporter") }.map(\.port)
        }
        #expect(exporterPorts(config) == [10110, 10110])
        #expect(exporterPorts(try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(exporterPort: 19613), file: "<default>"))
            == [19613, 19613])
    }
}

@Suite struct PrometheusDurationTests {
    @Test(arguments: [("0", 0), ("500ms", 500), ("10s", 10_000), ("1m30s", 90_000), ("2h", 7_200_000),
                      ("1d", 86_400_000), ("1w", 604_800_000), ("1y", 31_536_000_000), ("1h0m5s", 3_605_000)] as [(String, Int64)])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(PrometheusDuration(text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "5", "1.5s", "s", "30s1m", "1m1m", "-1s", "1 s", "5S", "99999999999999999y"])
    func rejects(_ text: String) {
        #expect(PrometheusDuration(text) == nil)
    }

    @Test func printsCanonically() {
        #expect(PrometheusDuration(milliseconds: 90_500).description == "1m30s500ms")
        #expect(PrometheusDuration(milliseconds: 0).description == "0s")
        #expect(PrometheusDuration(milliseconds: 86_400_000).description == "1d")
    }
}

@Suite struct TargetAllowlistTests {
    let allowlist = TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!, IPNetwork("fd00::/8")!],
                                    hostPatterns: ["*.lan", "printer-?"])

    @Test func ipLiteralsMatchCIDRs() {
        #expect(allowlist.allows(host: "127.1.2.3"))
        #expect(allowlist.allows(host: "fd12::1"))
        #expect(!allowlist.allows(host: "128.0.0.1"))
        #expect(!allowlist.allows(host: "::1"))
        #expect(!allowlist.allows(host: "192.168.2.1"))
    }

    @Test func hostNamesMatchPatternsCaseInsensitively() {
        #expect(allowlist.allows(host: "nas.LAN"))
        #expect(allowlist.allows(host: "printer-3"))
        #expect(!allowlist.allows(host: "printer-33"))
        #expect(!allowlist.allows(host: "lan"))
        #expect(!allowlist.allows(host: "example.com"))
    }

    @Test func oddPrefixLengths() {
        let network = IPNetwork("10.0.0.0/9")!
        #expect(network.contains(IPAddress("10.127.255.255")!))
        #expect(!network.contains(IPAddress("10.128.0.0")!))
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPNetwork("1.2.3.4/33") == nil)
    }
}
