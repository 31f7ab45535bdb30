import Glibc
import Testing
import VandineCore
@testable import Probes

/// What `/probe` lets through: the string checked is the string resolved.
@Suite struct TargetPolicyTests {
    static let config = ExporterConfig(
        devices: [DeviceConfig(name: "pi1", address: "127.0.0.7")],
        allowedTargets: TargetAllowlist(networks: [IPNetwork("127.0.0.0/8")!], hostPatterns: ["*.lan"]))

    @Test func nulInAHostNameIsRefusedBeforeTheAllowlist() {
        // Hummingbird has already decoded %00 to a NUL byte; glibc would resolve "internal-db.corp".
        let result = TargetPolicy.resolve("internal-db.corp\u{0}.lan:22", form: .hostPort, in: Self.config)
        guard case let .failure(.malformed(reason)) = result else { Issue.record("accepted: \(result)"); return }
        #expect(reason == "target \"internal-db.corp\\x00.lan:22\" is invalid: host name may hold letters, digits, '.', '-' and '_' only, found byte 0x00")
    }

    @Test func doublyEncodedColonIsDecodedOnceMore() throws {
        // `127.0.0.1%253A22` arrives as `127.0.0.1%3A22` after the server's own decoding.
        let target = try TargetPolicy.resolve("127.0.0.1%3A22", form: .hostPort, in: Self.config).get()
        #expect(target.endpoint == HostPort(host: "127.0.0.1", port: 22))
        let url = try TargetPolicy.resolve("http%3A%2F%2F127.0.0.1%3A8080%2Fhealth", form: .url, in: Self.config).get()
        #expect(url.url?.description == "http://127.0.0.1:8080/health")
    }

    @Test func decodingNeverTurnsARefusalIntoANul() {
        // %2500 → %00 → NUL: still refused.
        let result = TargetPolicy.resolve("db.corp%00.lan:22", form: .hostPort, in: Self.config)
        guard case .failure(.malformed) = result else { Issue.record("accepted: \(result)"); return }
    }

    @Test func allowedNamesAndDevices() throws {
        #expect(try TargetPolicy.resolve("nas.lan:445", form: .hostPort, in: Self.config).get().endpoint.host == "nas.lan")
        let device = try TargetPolicy.resolve("PI1:22", form: .hostPort, in: Self.config).get()
        #expect(device.endpoint == HostPort(host: "127.0.0.7", port: 22))
        #expect(device.device?.name == "pi1")
        let url = try TargetPolicy.resolve("http://pi1:8080/x", form: .url, in: Self.config).get()
        #expect(url.endpoint == HostPort(host: "127.0.0.7", port: 8080), "connects to the device's address")
        #expect(url.url?.description == "http://pi1:8080/x", "but asks for the name the user wrote")
        #expect(try TargetPolicy.resolve("[::ffff:127.0.0.1]:22", form: .hostPort, in: Self.config).get().endpoint.host == "::ffff:127.0.0.1")
    }

    @Test(arguments: ["10.0.0.1:22", "evil.com:22", "[::ffff:10.0.0.1]:22", "http://10.0.0.1/", "lan:22"])
    func forbidden(_ text: String) {
        let form: TargetForm = text.hasPrefix("http") ? .url : .hostPort
        guard case .failure(.forbidden) = TargetPolicy.resolve(text, form: form, in: Self.config) else {
            Issue.record("\(text) was not forbidden")
            return
        }
    }

    @Test func zonesWorkOnEveryIPv6LiteralAsInGo() async throws {
        // glibc's getaddrinfo refuses ::1%lo; Go (and so blackbox) accepts it.
        let context = ProbeContext(target: ProbeTarget(host: "::1"), module: ModuleConfig(name: "m", options: .tcp(TCPOptions())),
                                   log: ProbeLog(), deadline: .now + .seconds(1))
        let resolved = try #require(await TargetResolver.resolve(HostPort(host: "::1", zone: "lo", port: 22),
                                                                 preference: IPProtocolPreference(), context: context))
        guard case let .v6(address) = resolved.address else { Issue.record("not IPv6"); return }
        #expect(address.address.sin6_scope_id == if_nametoindex("lo"))
        #expect(resolved.description == "[::1]:22")
        let unknown = await TargetResolver.resolve(HostPort(host: "::1", zone: "nosuchif0", port: 22),
                                                   preference: IPProtocolPreference(), context: context)
        #expect(unknown == nil)
        #expect(context.log.failureReason == "no network interface \"nosuchif0\" for the IPv6 zone")
    }

    @Test func aServiceWithoutModuleGetsAPlainConnectModule() throws {
        var config = Self.config
        config.modules = [
            "smtp_starttls": ModuleConfig(name: "smtp_starttls", options: .tcp(TCPOptions(queryResponse: [.init(send: "EHLO x")]))),
            "plain": ModuleConfig(name: "plain", options: .tcp(TCPOptions())),
        ]
        #expect(ServiceDiscovery.defaultModule(in: config) == "plain")
        config.modules["tcp_connect"] = ModuleConfig(name: "tcp_connect", options: .tcp(TCPOptions()))
        #expect(ServiceDiscovery.defaultModule(in: config) == "tcp_connect")
    }

    /// A host-only prober (icmp, services) refuses a port, and a URL, with its own reason.
    @Test func hostOnlyTargetsRefusePortsAndURLs() {
        let icmp = ICMPOptions.targetForm
        #expect(TargetPolicy.resolve("127.0.0.1:22", form: icmp, in: Self.config)
            == .failure(.malformed("target \"127.0.0.1:22\" is invalid: ICMP has no ports: give the host alone (127.0.0.1)")))
        #expect(TargetPolicy.resolve("[::1]:7", form: icmp, in: Self.config)
            == .failure(.malformed("target \"[::1]:7\" is invalid: ICMP has no ports: give the host alone (::1)")))
        #expect(TargetPolicy.resolve("http://127.0.0.1/", form: icmp, in: Self.config)
            == .failure(.malformed("target \"http://127.0.0.1/\" is invalid: this module's targets are hosts, not URLs")))
        #expect((try? TargetPolicy.resolve("127.0.0.1", form: icmp, in: Self.config).get())?.endpoint == HostPort(host: "127.0.0.1"))
    }
}
