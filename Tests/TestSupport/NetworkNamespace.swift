import Foundation

/// A network namespace the test creates, joined to the test's own namespace by a veth pair: a
/// real host on a real link that no one else can reach, removed by ``remove()``. Needs root.
///
/// Addresses: `10.<a>.<b>.1/24` on our side, `.2` inside; `.3` is on the link but nobody has it.
public final class NetworkNamespace: @unchecked Sendable {
    public let name: String
    /// The veth end in the test's namespace.
    public let outsideInterface: String
    public let outsideAddress: String
    /// The host inside the namespace.
    public let insideAddress: String
    /// An address on the link that no host answers.
    public let silentAddress: String
    /// The MAC address of the inside veth end (lower case, colon separated).
    public private(set) var insideMAC = ""

    public enum Failure: Error, CustomStringConvertible {
        case command(String)
        public var description: String { switch self { case let .command(text): text } }
    }

    /// Whether the process may create namespaces (root with `ip` installed).
    public static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
    }

    /// Creates the namespace, the veth pair and the addresses, and brings both ends up.
    public init() throws {
        let tag = UInt32.random(in: 0..<0xFFFF)
        let octets = (200 + Int(tag % 50), Int(tag / 50 % 250) + 1)
        name = "vandine-test-\(getpid())-\(tag)"
        outsideInterface = "vt\(String(tag, radix: 16))o"
        let inside = "vt\(String(tag, radix: 16))i"
        let prefix = "10.\(octets.0).\(octets.1)"
        outsideAddress = "\(prefix).1"
        insideAddress = "\(prefix).2"
        silentAddress = "\(prefix).3"
        try Self.ip(["netns", "add", name])
        do {
            try Self.ip(["link", "add", outsideInterface, "type", "veth", "peer", "name", inside])
            try Self.ip(["link", "set", inside, "netns", name])
            try Self.ip(["addr", "add", "\(outsideAddress)/24", "dev", outsideInterface])
            try Self.ip(["link", "set", outsideInterface, "up"])
            try Self.ip(["-n", name, "addr", "add", "\(insideAddress)/24", "dev", inside])
            try Self.ip(["-n", name, "link", "set", inside, "up"])
            try Self.ip(["-n", name, "link", "set", "lo", "up"])
            let link = try Self.ip(["-n", name, "-o", "link", "show", inside])
            if let range = link.range(of: "link/ether ") {
                insideMAC = String(link[range.upperBound...].prefix(17)).lowercased()
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Runs a command inside the namespace.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let result = try Command.run("/usr/sbin/ip", ["netns", "exec", name] + arguments)
        guard result.status == 0 else {
            throw Failure.command("ip netns exec \(name) \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return result.stdout
    }

    /// Makes the inside host drop exactly one echo reply in every `every` it would send (nftables'
    /// `numgen inc`, so the share is exact, not random).
    public func dropEchoReplies(oneIn every: Int) throws {
        try run(["nft", "add table inet vandine_test"])
        try run(["nft", "add chain inet vandine_test out { type filter hook output priority 0 ; }"])
        try run(["nft", "add rule inet vandine_test out icmp type echo-reply numgen inc mod \(every) 0 drop"])
    }

    /// Deletes the namespace (which deletes the veth pair). Idempotent.
    public func remove() {
        _ = try? Command.run("/usr/sbin/ip", ["netns", "del", name])
        _ = try? Command.run("/usr/sbin/ip", ["link", "del", outsideInterface])
    }

    deinit { remove() }

    @discardableResult
    private static func ip(_ arguments: [String]) throws -> String {
        let result = try Command.run("/usr/sbin/ip", arguments)
        guard result.status == 0 else { throw Failure.command("ip \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout
    }
}
