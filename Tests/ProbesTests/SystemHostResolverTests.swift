import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The daemon's resolver against a real DNS server (dnsmasq on loopback): the address comes from
/// getaddrinfo (/etc/hosts maps localhost), its lifetime from the DNS answer's TTL when that
/// answer holds the same address.
@Suite struct SystemHostResolverTests {
    static let ip4 = IPProtocolPreference(preferred: .ip4, fallback: true)

    static func resolve(_ dnsmasqArguments: [String]) async throws -> HostResolution {
        let server = try await DNSTestServer(arguments: dnsmasqArguments)
        defer { server.stop() }
        // hostsFile /dev/null: localhost (from /etc/hosts for getaddrinfo) is asked of the DNS too.
        return try SystemHostResolver(nameservers: ["127.0.0.1:\(server.port)"], hostsFile: "/dev/null")
            .resolve("localhost", preference: Self.ip4)
    }

    @Test func theDNSAnswersTTLIsUsedWhenItHoldsTheAddress() async throws {
        let answer = try await Self.resolve(["--host-record=localhost,127.0.0.1", "--local-ttl=120"])
        #expect(answer == HostResolution(address: IPAddress("127.0.0.1")!, validFor: .seconds(120)))
    }

    @Test func aShortTTLIsRaisedToTheFloor() async throws {
        let answer = try await Self.resolve(["--host-record=localhost,127.0.0.1", "--local-ttl=2"])
        #expect(answer.validFor == SystemHostResolver.minimumTTL)
    }

    @Test func anAnswerWithAnotherAddressFallsBackToTheFixedPeriod() async throws {
        // /etc/hosts says 127.0.0.1, the DNS says 127.0.0.9: getaddrinfo's address wins, and the
        // DNS TTL says nothing about it.
        let answer = try await Self.resolve(["--host-record=localhost,127.0.0.9", "--local-ttl=120"])
        #expect(answer == HostResolution(address: IPAddress("127.0.0.1")!, validFor: SystemHostResolver.fallbackPeriod))
    }

    @Test func aNameFromTheHostsFileIsNotAskedOfTheDNS() async throws {
        // The DNS would say TTL 120, but localhost is in /etc/hosts: never asked, fixed period.
        let server = try await DNSTestServer(arguments: ["--host-record=localhost,127.0.0.1", "--local-ttl=120"])
        defer { server.stop() }
        let answer = try SystemHostResolver(nameservers: ["127.0.0.1:\(server.port)"]).resolve("localhost", preference: Self.ip4)
        #expect(answer == HostResolution(address: IPAddress("127.0.0.1")!, validFor: SystemHostResolver.fallbackPeriod))
        #expect(SystemHostResolver().isInHostsFile("LOCALHOST."))
        #expect(!SystemHostResolver().isInHostsFile("pi1.example"))
    }

    @Test func aMissingFamilyIsAOneLineError() {
        // /etc/hosts maps localhost to 127.0.0.1 only: no DNS query leaves the machine.
        #expect(throws: HostResolutionError("localhost has no ip6 address and ip_protocol_fallback is false")) {
            try SystemHostResolver(nameservers: ["127.0.0.1:1"]).resolve("localhost", preference: IPProtocolPreference(preferred: .ip6, fallback: false))
        }
    }
}
