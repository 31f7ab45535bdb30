import Foundation

/// A network namespace joined to this one by a veth pair, for tests that need a second host on a
/// real link: `hostSide` stays here with `hostIPv4` / `hostIPv6`, `peerSide` lives in the namespace
/// with `peerIPv4` / `peerIPv6` and its own MAC address. Addresses come from 10.213.0.0/16 and
/// fd00:7a6e::/32, on the pair only, chosen at random per instance; names are unique per instance.
/// Needs root. ``remove()`` deletes the namespace and both ends of the pair.
public struct TestNetwork: Sendable {
    public let namespace: String
    public let hostSide: String
    public let peerSide: String
    /// The /29 and /125 the pair's addresses are in.
    public let ipv4Network: String
    public let ipv6Network: String
    public let hostIPv4: String
    public let peerIPv4: String
    public let hostIPv6: String
    public let peerIPv6: String
    /// The MAC address of the namespace's end, as the kernel reports it (lowercase, `:`-separated).
    public let peerMAC: String
    /// An address on the link that no host holds: echoes to it are never answered.
    public let silentIPv4: String
    /// The namespace end's IPv6 link-local address (`fe80::…`, no zone): reach it as
    /// `fe80::…%<hostSide>`.
    public let peerLinkLocal: String

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        let tag = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
        namespace = "vandine-test-\(tag)"
        hostSide = "vdh\(tag)"
        peerSide = "vdp\(tag)"
        let third = Int.random(in: 0...255), fourth = Int.random(in: 0...31) * 8
        ipv4Network = "10.213.\(third).\(fourth)/29"
        hostIPv4 = "10.213.\(third).\(fourth + 1)"
        peerIPv4 = "10.213.\(third).\(fourth + 2)"
        silentIPv4 = "10.213.\(third).\(fourth + 3)"
        let group = String(UInt16.random(in: 1...0xFFFF), radix: 16)
        ipv6Network = "fd00:7a6e:\(group)::/125"
        hostIPv6 = "fd00:7a6e:\(group)::1"
        peerIPv6 = "fd00:7a6e:\(group)::2"

        let steps: [[String]] = [
            ["netns", "add", namespace],
            ["link", "add", hostSide, "type", "veth", "peer", "name", peerSide],
            ["link", "set", peerSide, "netns", namespace],
            // No duplicate address detection on either end, so the link-local addresses are usable
            // the moment the links are up.
            ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0"],
            ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.\(peerSide).accept_dad=0"],
            ["addr", "add", "\(hostIPv4)/29", "dev", hostSide],
            ["addr", "add", "\(hostIPv6)/125", "dev", hostSide, "nodad"],
            ["link", "set", hostSide, "up"],
            ["-n", namespace, "addr", "add", "\(peerIPv4)/29", "dev", peerSide],
            ["-n", namespace, "addr", "add", "\(peerIPv6)/125", "dev", peerSide, "nodad"],
            ["-n", namespace, "link", "set", peerSide, "up"],
            ["-n", namespace, "link", "set", "lo", "up"],
        ]
        var mac = "", linkLocal = ""
        do {
            for (index, step) in steps.enumerated() {
                if index == 3 {
                    // This end lives in our namespace: its sysctl is a file here.
                    try "0".write(toFile: "/proc/sys/net/ipv6/conf/\(hostSide)/accept_dad", atomically: false, encoding: .utf8)
                }
                let result = try Command.run("/usr/sbin/ip", step)
                guard result.status == 0 else {
                    throw SetupError(description: "ip \(step.joined(separator: " ")) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            mac = try Command.run("/usr/sbin/ip", ["netns", "exec", namespace, "cat", "/sys/class/net/\(peerSide)/address"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let addresses = try Command.run("/usr/sbin/ip", ["-n", namespace, "-6", "-o", "addr", "show", "dev", peerSide, "scope", "link"]).stdout
            if let range = addresses.range(of: "inet6 ") {
                linkLocal = String(addresses[range.upperBound...].prefix { $0 != "/" })
            }
        } catch {
            Self.remove(namespace: namespace, hostSide: hostSide)
            throw error
        }
        peerMAC = mac
        peerLinkLocal = linkLocal
    }

    /// Runs a command inside the namespace; throws with its stderr when it fails.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let result = try Command.run("/usr/sbin/ip", ["netns", "exec", namespace] + arguments)
        guard result.status == 0 else {
            throw SetupError(description: "ip netns exec \(namespace) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// Makes the namespace's host drop exactly one echo reply in every `every` it would send
    /// (nftables' `numgen inc`: the share is exact, not random; this kernel has no netem).
    public func dropEchoReplies(oneIn every: Int) throws {
        try run(["nft", "add table inet vandine_test"])
        try run(["nft", "add chain inet vandine_test out { type filter hook output priority 0 ; }"])
        try run(["nft", "add rule inet vandine_test out icmp type echo-reply numgen inc mod \(every) 0 drop"])
    }

    /// Deletes the namespace (which takes the peer end, and so the pair, with it) and the host end.
    public func remove() {
        Self.remove(namespace: namespace, hostSide: hostSide)
    }

    static func remove(namespace: String, hostSide: String) {
        _ = try? Command.run("/usr/sbin/ip", ["link", "del", hostSide])
        _ = try? Command.run("/usr/sbin/ip", ["netns", "del", namespace])
    }

    /// Whether this process may create namespaces (it runs as root).
    public static var isAvailable: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") }
}
