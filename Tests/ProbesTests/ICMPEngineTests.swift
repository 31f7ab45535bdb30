import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The one ICMP engine every in-process test with real sockets shares, so the process never holds
/// more than its two sockets (the socket-count test checks exactly that). Raw sockets: the tests
/// run as root, and this machine's `ping_group_range` refuses datagram sockets.
let sharedTestICMPEngine = ICMPEngine(privilege: { .true })

/// ICMP sockets (raw or datagram, IPv4 or IPv6) this process holds: the `socket:[inode]` links in
/// /proc/self/fd whose inode appears in /proc/net/{raw,raw6,icmp,icmp6}.
func openICMPSocketCount() -> Int {
    var inodes = Set<String>()
    for table in ["raw", "raw6", "icmp", "icmp6"] {
        guard let text = try? String(contentsOfFile: "/proc/net/\(table)", encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 9 { inodes.insert(String(fields[9])) }
        }
    }
    let links = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return links.filter { fd in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:[") else { return false }
        return inodes.contains(String(target.dropFirst(8).dropLast()))
    }.count
}

/// Real ICMP through the kernel: loopback over raw sockets as root, the datagram path in a
/// namespace of the test's own as an unprivileged user, and loss across a veth pair with an exact
/// drop rule. Serialized: the socket count must not see another test's sockets.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for raw sockets and network namespaces"))
struct ICMPEngineTests {
    static func module(packets: Int, interval: Int = 20, timeout: PrometheusDuration = .seconds(2),
                       change: (inout ICMPOptions) -> Void = { _ in }) -> ModuleConfig {
        var options = ICMPOptions(ipProtocol: IPProtocolPreference(preferred: .ip4), packets: packets,
                                  interval: .init(milliseconds: Int64(interval)))
        change(&options)
        return ModuleConfig(name: "icmp", timeout: timeout, options: .icmp(options))
    }

    @Test func loopbackAnswersOverIPv4AndIPv6() async {
        let prober = ICMPProber(engine: sharedTestICMPEngine)
        for host in ["127.0.0.1", "::1"] {
            let module = Self.module(packets: 3) { $0.ipProtocol.preferred = host.contains(":") ? .ip6 : .ip4 }
            let (success, metrics) = await runProbe(prober, target: ProbeTarget(host: host), module: module)
            #expect(success, "\(host)")
            #expect(metrics.sample(named: "probe_icmp_packets_received") == 3, "\(host)")
            #expect(metrics.sample(named: "probe_icmp_reply_hop_limit") == 64, "\(host): the reply's TTL / hop limit")
            #expect(metrics.sample(named: "probe_ip_protocol") == (host.contains(":") ? 6 : 4))
            let rtt = metrics.sample(named: "probe_icmp_rtt_max_seconds") ?? -1
            #expect(rtt > 0 && rtt < 0.1, "\(host): \(rtt)")
        }
        #expect(sharedTestICMPEngine.socketKind(for: .v4) == "raw")
    }

    @Test func aHundredConcurrentProbesShareTwoSockets() async {
        let prober = ICMPProber(engine: sharedTestICMPEngine)
        let module = Self.module(packets: 5)
        // 100 distinct 127/8 addresses (each answers with itself as the source) and ::1.
        let hosts = (1...100).map { "127.1.\($0 / 50).\($0 % 50 + 1)" } + ["::1"]
        let done = ManagedAtomicFlag()
        let sampler = Task {
            var peak = 0
            while !done.isSet {
                peak = max(peak, openICMPSocketCount())
                try? await Task.sleep(for: .milliseconds(5))
            }
            return peak
        }
        let results = await withTaskGroup(of: (String, Bool, MetricSet).self) { group in
            for host in hosts {
                group.addTask {
                    var module = module
                    if host.contains(":"), case var .icmp(options) = module.options {
                        options.ipProtocol.preferred = .ip6
                        module.options = .icmp(options)
                    }
                    let (success, metrics) = await runProbe(prober, target: ProbeTarget(host: host), module: module)
                    return (host, success, metrics)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        done.set()
        let peak = await sampler.value
        #expect(results.count == 101)
        for (host, success, metrics) in results {
            // A reply handed to the wrong probe would leave its own probe one short and show up as
            // a duplicate (or be dropped) in the other.
            #expect(success && metrics.sample(named: "probe_icmp_packets_received") == 5
                && metrics.sample(named: "probe_icmp_duplicates") == 0,
                "\(host): success \(success), received \(metrics.sample(named: "probe_icmp_packets_received") ?? -1), sent \(metrics.sample(named: "probe_icmp_packets_sent") ?? -1)")
        }
        #expect(peak == 2, "ICMP sockets open while 101 probes ran: \(peak)")
        #expect(sharedTestICMPEngine.openSocketCount == 2)
    }

    @Test func lossAcrossAVethPairMatchesTheDropRule() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try network.dropEchoReplies(oneIn: 4)
        let prober = ICMPProber(engine: sharedTestICMPEngine)
        let (success, metrics) = await runProbe(prober, target: ProbeTarget(host: network.peerIPv4),
                                                module: Self.module(packets: 40, interval: 10, timeout: .seconds(3)))
        #expect(success)
        #expect(metrics.sample(named: "probe_icmp_packets_sent") == 40)
        #expect(metrics.sample(named: "probe_icmp_packets_received") == 30)
        #expect(metrics.sample(named: "probe_icmp_packet_loss_ratio") == 0.25)
    }

    @Test func anAddressNobodyAnswersFailsOnTime() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let log = ProbeLog()
        let start = ContinuousClock.now
        let (success, metrics) = await runProbe(ICMPProber(engine: sharedTestICMPEngine), target: ProbeTarget(host: network.silentIPv4),
                                                module: Self.module(packets: 3, interval: 100, timeout: .seconds(1)), log: log)
        let elapsed = ContinuousClock.now - start
        #expect(!success)
        #expect(metrics.sample(named: "probe_icmp_packet_loss_ratio") == 1)
        #expect(metrics.sample(named: "probe_icmp_packets_sent") == 3)
        #expect(elapsed >= .milliseconds(990) && elapsed < .milliseconds(2500), "\(elapsed)")
        #expect(log.failureReason == "no echo reply from \(network.silentIPv4) before the deadline")
    }

    /// The `ttl` option reaches the wire: the namespace's host counts incoming echo requests with
    /// TTL 7, and the reply's own TTL is reported.
    @Test func theTTLOptionIsTheRequestsTTL() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try network.run(["nft", "add table inet vandine_ttl"])
        try network.run(["nft", "add chain inet vandine_ttl in { type filter hook input priority 0 ; }"])
        try network.run(["nft", "add rule inet vandine_ttl in icmp type echo-request ip ttl 7 counter"])
        let (success, metrics) = await runProbe(ICMPProber(engine: sharedTestICMPEngine), target: ProbeTarget(host: network.peerIPv4),
                                                module: Self.module(packets: 3) { $0.ttl = 7 })
        #expect(success)
        #expect(metrics.sample(named: "probe_icmp_reply_hop_limit") == 64)
        let rules = try network.run(["nft", "list chain inet vandine_ttl in"])
        #expect(rules.contains("ip ttl 7 counter packets 3 "), "\(rules)")
    }

    /// Targets follow the grammar of every prober: brackets, and a zone for a link-local address;
    /// an IPv4-mapped address is pinged over IPv4 (ICMPv6 to it never arrives).
    @Test func aZonedLinkLocalTargetIsReachedThroughItsInterface() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let module = Self.module(packets: 2) { $0.ipProtocol.preferred = .ip6 }
        let config = ExporterConfig(modules: ["icmp": module],
                                    allowedTargets: TargetAllowlist(networks: [IPNetwork("fe80::/10")!, IPNetwork("::1/128")!,
                                                                               IPNetwork(network.ipv4Network)!]))
        let handler = ProbeHandler(probers: registry(ICMPProber(engine: sharedTestICMPEngine)))
        for target in ["[\(network.peerLinkLocal)%\(network.hostSide)]", "\(network.peerLinkLocal)%\(network.hostSide)", "[::1]",
                       "::ffff:\(network.peerIPv4)"] {
            let response = await handler.handle(ProbeRequest(target: target, module: "icmp"), config: config)
            #expect(response.body.contains("probe_success 1") && response.body.contains("probe_icmp_packets_received 2"),
                    "\(target): \(response.body)")
        }
    }

    @Test func dontFragmentRefusesWhatTheLinkCannotCarry() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let before = openICMPSocketCount()
        do {
            // Its own engine: don't-fragment is a socket-wide setting, so it gets a socket of its own.
            let engine = ICMPEngine(privilege: { .true })
            defer { engine.shutdown() }
            let prober = ICMPProber(engine: engine)
            let target = ProbeTarget(host: network.peerIPv4)
            let fragmented = Self.module(packets: 1) { $0.payloadSize = 2000 }
            let (whole, _) = await runProbe(prober, target: target, module: fragmented)
            #expect(whole, "2,000 bytes cross a 1,500-byte link in fragments")
            let log = ProbeLog()
            let refused = Self.module(packets: 1) { $0.payloadSize = 2000; $0.dontFragment = true }
            let (success, metrics) = await runProbe(prober, target: target, module: refused, log: log)
            #expect(!success)
            #expect(metrics.sample(named: "probe_icmp_packets_sent") == 0)
            #expect(log.failureReason == "cannot send an echo request to \(network.peerIPv4): message too long")
            #expect(engine.pendingTimerCount == 0, "finished probes leave no timer behind (their deadline wake is cancelled)")
        }
        // The engine's sockets close once its thread has stopped: wait for that, bounded.
        let limit = ContinuousClock.now + .seconds(5)
        while openICMPSocketCount() > before, ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(10)) }
        #expect(openICMPSocketCount() == before)
    }

    /// The datagram ("ping") socket, as an unprivileged user, inside a namespace whose
    /// `ping_group_range` the test sets; and the one line when neither kind is allowed.
    @Test func theDatagramPathWorksUnprivilegedInANamespace() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vandine-icmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        func config(_ privileged: String) throws -> String {
            let path = directory.appendingPathComponent("\(privileged).yml").path
            try """
                icmp: {privileged: \(privileged)}
                modules:
                  icmp:
                    prober: icmp
                    timeout: 2s
                    icmp: {preferred_ip_protocol: ip4, packets: 3, interval: 20ms}
                  icmp6:
                    prober: icmp
                    timeout: 2s
                    icmp: {preferred_ip_protocol: ip6, packets: 3, interval: 20ms}
                allowed_targets: [127.0.0.0/8, "::1"]
                """.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            return path
        }
        let binary = ExporterProcess.binary
        let unprivileged = "setpriv --reuid=65534 --regid=65534 --clear-groups"
        let datagram = try config("false"), raw = try config("true"), auto = try config("auto")
        let script = """
            ip link set lo up
            \(unprivileged) \(binary) probe --config.file \(auto) --module icmp --target 127.0.0.1 --debug
            echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range
            \(unprivileged) \(binary) probe --config.file \(datagram) --module icmp --target 127.0.0.1
            \(unprivileged) \(binary) probe --config.file \(datagram) --module icmp6 --target ::1
            \(unprivileged) \(binary) probe --config.file \(raw) --module icmp --target 127.0.0.1 --debug
            """
        let result = try await Command.runOffPool("/usr/bin/unshare", ["--net", "sh", "-c", script])
        let out = result.stdout
        // Before the sysctl neither kind is allowed, and as nobody the raw socket is not: each time
        // one line says what to set.
        let lines = out.split(separator: "\n")
        let autoRefused = lines.filter { $0.contains("IPv4 ICMP is not permitted: add group 65534 to net.ipv4.ping_group_range (now \"1 0\")") }
        #expect(autoRefused.count == 1 && autoRefused[0].contains("or give the process CAP_NET_RAW"), "\(out)")
        let rawRefused = lines.filter { $0.contains("IPv4 ICMP with icmp.privileged: true is not permitted: give the process CAP_NET_RAW") }
        #expect(rawRefused.count == 1, "\(out)")
        #expect(lines.filter { $0.contains("not permitted") }.count == 2, "one line each, never a stack of errnos")
        let successes = out.split(separator: "\n").filter { $0 == "probe_success 1" }.count
        #expect(successes == 2, "IPv4 and IPv6 over datagram sockets as nobody:\n\(out)\n\(result.stderr)")
        #expect(out.split(separator: "\n").filter { $0 == "probe_icmp_packets_received 3" }.count == 2)
        #expect(out.split(separator: "\n").filter { $0 == "probe_success 0" }.count == 2, "auto before the sysctl, and raw as nobody")
    }
}

/// A flag one task sets and another polls.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
