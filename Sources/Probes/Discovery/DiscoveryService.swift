import FoundationEssentials
import Logging
import NIOPosix
import ServiceLifecycle
import VandineCore

/// The LAN discovery sweep as a swift-service-lifecycle `Service`: every `discovery.interval` it
/// sweeps `discovery.networks` through the ICMP engine (``EchoSweep``), reads the MAC addresses of
/// the hosts that answered from the kernel's neighbour table, reverse-resolves their names, and
/// records the result in ``DiscoveryResults`` for `/metrics` and `/sd`, logging each host that
/// appears or vanishes at `info`.
///
/// The config's `discovery` section is re-read every few seconds: a reload that changes the
/// networks starts a sweep at once; one that removes the section clears the results.
public final class DiscoveryService: Service, Sendable {
    let config: ReloadableConfig<ExporterConfig>
    let engine: any ICMPEchoing
    public let results: DiscoveryResults
    let neighbours: any NeighbourTableReading
    let names: any HostNameResolving
    let logger: Logger
    /// Wall-clock Unix seconds (injectable for tests).
    let now: @Sendable () -> Double

    /// How often the config is looked at between sweeps.
    let configCheckInterval: Duration
    /// Most reverse lookups in flight at once.
    static let concurrentLookups = 4
    /// One thread for the neighbour-table dump, which blocks (briefly) in `recv`.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    public init(config: ReloadableConfig<ExporterConfig>, engine: any ICMPEchoing, results: DiscoveryResults,
                neighbours: any NeighbourTableReading = NetlinkNeighbourTable(),
                names: any HostNameResolving = ReverseResolver(), logger: Logger,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                configCheckInterval: Duration = .seconds(5)) {
        self.config = config
        self.engine = engine
        self.results = results
        self.neighbours = neighbours
        self.names = names
        self.logger = logger
        self.now = now
        self.configCheckInterval = configCheckInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    /// Sweeps on the interval until cancelled.
    func loop() async {
        var last: (networks: [IPNetwork], started: ContinuousClock.Instant)?
        while !Task.isCancelled {
            guard let discovery = config.current.discovery else {
                if last != nil || results.lastSweep != nil {
                    results.clear()
                    logger.info("discovery is no longer configured; discovered hosts forgotten")
                }
                last = nil
                try? await Task.sleep(for: configCheckInterval)
                continue
            }
            if let last, last.networks == discovery.networks {
                let due = last.started + discovery.interval.duration
                if ContinuousClock.now < due {
                    try? await Task.sleep(until: min(due, .now + configCheckInterval), clock: .continuous)
                    continue
                }
            }
            last = (discovery.networks, .now)
            _ = await sweepOnce(discovery, devices: config.current.devices)
        }
    }

    /// One cycle: sweep, neighbour table, names, record, log. Returns what changed.
    public func sweepOnce(_ discovery: DiscoveryConfig, devices: [DeviceConfig]) async -> DiscoveryResults.Changes {
        let addresses = discovery.sweepAddresses
        let started = ContinuousClock.now
        let sweep = await EchoSweep(engine: engine, packetsPerSecond: discovery.packetsPerSecond,
                                    timeout: discovery.timeout.duration).run(addresses)
        guard sweep.isComplete else {
            let summary = DiscoveryResults.SweepSummary(finished: now(), durationSeconds: (ContinuousClock.now - started).inSeconds,
                                                        addresses: sweep.sent, success: false)
            var changes = DiscoveryResults.Changes()
            changes.forgotten = results.recordFailure(networks: discovery.networks, keepVanished: discovery.keepVanished,
                                                      summary: summary, now: summary.finished)
            if !sweep.cancelled {
                let reason = sweep.fatalError ?? sweep.firstSendError
                logger.error("discovery sweep failed; no host counts as vanished", metadata: [
                    "networks": "\(discovery.networks.map(\.description).joined(separator: ","))",
                    "err": "\(reason.map(\.description) ?? "no request could be sent")",
                ])
            }
            log(changes, devices: devices)
            return changes
        }
        if sweep.sendFailures > 0, let error = sweep.firstSendError {
            logger.debug("discovery: some echo requests were refused", metadata: ["count": "\(sweep.sendFailures)", "err": "\(error)"])
        }

        let answered = Array(sweep.answered.keys)
        let macs = await macAddresses(of: Set(answered))
        let names = await reverseNames(of: answered)
        let finished = now()
        let summary = DiscoveryResults.SweepSummary(finished: finished, durationSeconds: (ContinuousClock.now - started).inSeconds,
                                                    addresses: sweep.sent, success: true)
        let changes = results.record(answered: sweep.answered, macs: macs, names: names, networks: discovery.networks,
                                     keepVanished: discovery.keepVanished, summary: summary, now: finished)
        log(changes, devices: devices)
        logger.debug("discovery sweep finished", metadata: [
            "addresses": "\(sweep.sent)", "up": "\(answered.count)", "seconds": "\(summary.durationSeconds.formatted(decimals: 3))",
        ])
        return changes
    }

    /// MAC addresses of `addresses` from one neighbour-table dump (off the cooperative pool).
    /// A failed dump is logged and yields none: the hosts keep the MACs they had.
    func macAddresses(of addresses: Set<IPAddress>) async -> [IPAddress: MACAddress] {
        guard !addresses.isEmpty else { return [:] }
        let neighbours = self.neighbours
        do {
            let entries = try await Self.pool.runIfActive { try neighbours.entries() }
            var macs: [IPAddress: MACAddress] = [:]
            for entry in entries where addresses.contains(entry.address) {
                // A reachable entry beats a stale one for the same address (two interfaces).
                if macs[entry.address] == nil || entry.state & NeighbourState.reachable != 0 { macs[entry.address] = entry.mac }
            }
            return macs
        } catch {
            logger.warning("discovery: cannot read the neighbour table; MAC addresses not updated", metadata: ["err": "\(error)"])
            return [:]
        }
    }

    /// Reverse names of `addresses`, at most ``concurrentLookups`` at a time, each bounded by the
    /// resolver's own timeout.
    func reverseNames(of addresses: [IPAddress]) async -> [IPAddress: ReverseName] {
        let names = self.names
        return await withTaskGroup(of: (IPAddress, ReverseName).self) { group in
            var found: [IPAddress: ReverseName] = [:]
            var pending = addresses[...]
            for _ in 0..<Self.concurrentLookups {
                guard let address = pending.popFirst() else { break }
                group.addTask { (address, await names.name(for: address)) }
            }
            while let (address, name) = await group.next() {
                found[address] = name
                if let next = pending.popFirst() { group.addTask { (next, await names.name(for: next)) } }
            }
            return found
        }
    }

    /// One `info` line per host that appeared, returned or vanished; `debug` for forgotten ones.
    func log(_ changes: DiscoveryResults.Changes, devices: [DeviceConfig]) {
        for host in changes.appeared { logger.info("new host discovered", metadata: metadata(host, devices: devices)) }
        for host in changes.returned { logger.info("discovered host is back", metadata: metadata(host, devices: devices)) }
        for host in changes.vanished { logger.info("discovered host vanished", metadata: metadata(host, devices: devices)) }
        for host in changes.forgotten {
            logger.debug("discovered host forgotten", metadata: ["address": "\(host.address)"])
        }
    }

    func metadata(_ host: DiscoveredHost, devices: [DeviceConfig]) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["address": "\(host.address)"]
        if let mac = host.mac { metadata["mac"] = "\(mac)" }
        if let hostname = host.hostname { metadata["hostname"] = "\(hostname)" }
        if let device = host.knownDevice(in: devices) { metadata["known_device"] = "\(device.name)" }
        return metadata
    }
}
