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
        let group = String(UInt16.random(in: 1...0xFFFF), radix: 16)
        ipv6Network = "fd00:7a6e:\(group)::/125"
        hostIPv6 = "fd00:7a6e:\(group)::1"
        peerIPv6 = "fd00:7a6e:\(group)::2"

        let steps: [[String]] = [
            ["netns", "add", namespace],
            ["link", "add", hostSide, "type", "veth", "peer", "name", peerSide],
            ["link", "set", peerSide, "netns", namespace],
            ["addr", "add", "\(hostIPv4)/29", "dev", hostSide],
            ["addr", "add", "\(hostIPv6)/125", "dev", hostSide, "nodad"],
            ["link", "set", hostSide, "up"],
            ["-n", namespace, "addr", "add", "\(peerIPv4)/29", "dev", peerSide],
            ["-n", namespace, "addr", "add", "\(peerIPv6)/125", "dev", peerSide, "nodad"],
            ["-n", namespace, "link", "set", peerSide, "up"],
            ["-n", namespace, "link", "set", "lo", "up"],
        ]
        var mac = ""
        do {
            for step in steps {
                let result = try Command.run("/usr/sbin/ip", step)
                guard result.status == 0 else {
                    throw SetupError(description: "ip \(step.joined(separator: " ")) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            mac = try Command.run("/usr/sbin/ip", ["netns", "exec", namespace, "cat", "/sys/class/net/\(peerSide)/address"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            Self.remove(namespace: namespace, hostSide: hostSide)
            throw error
        }
        peerMAC = mac
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
