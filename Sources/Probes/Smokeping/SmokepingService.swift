import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization
import VandineCore

/// Continuous mode: pings every host of the config's `smokeping:` section once per interval, in
/// the background, and keeps smokeping_prober's cumulative series for each (``families()``).
///
/// One scheduling loop (one task) owns every host's ``EchoSession``: it wakes at most every
/// ``minimumTick`` and sends the requests that are due, each host at its own phase, so n hosts
/// are spread evenly over the interval instead of sent in a burst. Replies are counted in the
/// sessions' `onReply` callbacks on the engine's receive thread (a lock, a few integers). No task,
/// timer or allocation per packet.
///
/// A request counts as lost until its reply arrives; a reply is counted whenever it arrives, as
/// smokeping_prober does (its buckets reach 26 s for that reason), so loss is always
/// `smokeping_requests_total - smokeping_response_duration_seconds_count`, the requests in flight
/// included. A request the kernel refuses counts as a request and as a send error.
///
/// The loop reads the reloadable config on every wake: added hosts start from 0, removed hosts'
/// series disappear, and a change of buckets, payload size, TTL, source address or IP protocol
/// restarts every host's series. Names are resolved on a thread pool of their own (never on
/// the cooperative pool) and again when their answer expires (``HostResolution/validFor``); a new
/// address moves the host's series to the new `ip` label, starting from 0.
public final class SmokepingService: Service, Sendable {
    /// The shortest time between two wakes of the loop: with 1,024 hosts at 1 s it sends about 5
    /// requests per wake, 200 wakes a second.
    public static let minimumTick: Duration = .milliseconds(5)
    /// How often the loop looks at the config while there is nothing to ping.
    static let idlePoll: Duration = .milliseconds(250)

    private let config: ReloadableConfig<ExporterConfig>
    private let engine: any ICMPEchoing
    private let resolver: any HostResolving
    private let logger: Logger
    /// Tests: stop sending to a host after this many requests (the loop keeps running).
    private let requestLimit: Int?
    /// Tests: how long to wait before asking again after a failed resolution.
    private let resolveRetry: Duration

    /// The series served, sorted by host; replaced (never mutated) when hosts change.
    private let published = Mutex<[SmokepingSeries]>([])
    /// The last reason a session could not be opened, so it is logged once, not once per host.
    private let lastOpenError = Mutex<String?>(nil)
    /// Finished resolutions, drained by the loop on its next wake.
    private let resolved = Mutex<[Resolution]>([])

    /// `getaddrinfo` and the TTL query block; they run here, not on Swift's cooperative threads
    /// nor on the probers' resolver pool (a slow DNS server must not hold up `/probe`).
    static let resolverPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// - Parameters:
    ///   - config: read on every wake of the loop; its `smokeping` section says what to ping.
    ///   - engine: the ICMP engine (``ICMPEngine`` in the daemon, a fake in tests).
    ///   - resolver: resolves host names (``SystemHostResolver`` in the daemon).
    public convenience init(config: ReloadableConfig<ExporterConfig>, engine: any ICMPEchoing,
                            resolver: any HostResolving = SystemHostResolver(), logger: Logger) {
        self.init(config: config, engine: engine, resolver: resolver, logger: logger, requestLimit: nil, resolveRetry: .seconds(10))
    }

    init(config: ReloadableConfig<ExporterConfig>, engine: any ICMPEchoing, resolver: any HostResolving,
         logger: Logger, requestLimit: Int?, resolveRetry: Duration) {
        self.config = config
        self.engine = engine
        self.resolver = resolver
        self.logger = logger
        self.requestLimit = requestLimit
        self.resolveRetry = resolveRetry
    }

    /// The path the series are served on, nil without a `smokeping:` section.
    public var metricsPath: String? { config.current.smokeping?.metricsPath }

    /// smokeping_prober's families for every host that has an address, sorted by host.
    public func families() -> [MetricFamily] {
        guard config.current.smokeping != nil else { return [] }
        let receiveErrors = UInt64((engine as? any ICMPReceiveErrorCounting)?.receiveErrors ?? 0)
        return SmokepingMetrics.families(published.withLock { $0 }, receiveErrors: receiveErrors)
    }

    /// The same series as exposition text, appended to `out`: what the routes serve (see
    /// ``SmokepingExposition``). Nothing without a `smokeping:` section.
    public func writeExposition(into out: inout String) {
        guard config.current.smokeping != nil else { return }
        let receiveErrors = UInt64((engine as? any ICMPReceiveErrorCounting)?.receiveErrors ?? 0)
        SmokepingExposition.write(published.withLock { $0 }, receiveErrors: receiveErrors, into: &out)
    }

    /// The series of `host` (the `host` label), for tests and the status page.
    func series(host: String) -> SmokepingSeries? {
        published.withLock { list in list.first { $0.host == host } }
    }

    /// `Service`: runs the loop until graceful shutdown or cancellation, then closes every session.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    // MARK: - The loop

    /// One host as the loop sees it.
    private struct Slot {
        let host: SmokepingConfig.Host
        /// The address pinged, once known; an IP literal is known from the start.
        var address: IPAddress?
        var session: (any EchoSession)?
        var series: SmokepingSeries?
        var nextSend: ContinuousClock.Instant
        /// When to resolve the name again; nil for an IP literal.
        var resolveAt: ContinuousClock.Instant?
        var resolving = false
        /// Bumped whenever the slot is rebuilt, so a stale resolution is ignored.
        var generation: Int
        var sent = 0
        var failing = false
    }

    private struct Resolution: Sendable {
        let label: String
        let generation: Int
        let result: Result<HostResolution, HostResolutionError>
    }

    private func loop() async {
        let clock = ContinuousClock()
        var active: SmokepingConfig?
        var slots: [Slot] = []
        var generation = 0
        var lastWake = clock.now
        // Slots are in phase order and each moves on by whole intervals, so they fall due in
        // turn: `cursor` is the next one, and a wake touches only the slots it sends to.
        var cursor = 0
        var nextResolveScan = clock.now
        while !Task.isCancelled {
            let now = clock.now
            let fresh = config.current.smokeping
            if fresh != active {
                slots = apply(fresh, over: active, slots: slots, now: now, generation: &generation)
                active = fresh
                cursor = 0
                nextResolveScan = now
                publish(slots)
            }
            guard let settings = active, !slots.isEmpty else {
                guard (try? await Task.sleep(for: Self.idlePoll)) != nil else { break }
                continue
            }
            let absorbed = absorbResolutions(into: &slots, settings: settings, now: now)
            if absorbed.changed { publish(slots) }
            if absorbed.any { nextResolveScan = now }
            if nextResolveScan <= now {
                nextResolveScan = startResolutions(&slots, settings: settings, now: now)
            }
            cursor = sendDue(&slots, from: cursor, settings: settings, now: now)

            // Sleep until the next request is due, but never less than a tick after the last
            // wake (so sends are batched) and never more than the idle poll (reloads, resolutions).
            var wake = min(slots[cursor].nextSend, now + Self.idlePoll, max(nextResolveScan, now))
            wake = max(wake, lastWake + Self.minimumTick)
            lastWake = now
            guard (try? await Task.sleep(until: wake, tolerance: .milliseconds(1), clock: clock)) != nil else { break }
        }
        // The series stay published: a stopped service's counts are still true.
        for slot in slots { slot.session?.close() }
    }

    /// The slots for `fresh`, spread over the interval in order (host i at phase i/n). Kept hosts
    /// keep their sessions and series; when a setting that shapes every series changed, they
    /// keep only their address (series restart from 0). Removed hosts' sessions are closed.
    private func apply(_ fresh: SmokepingConfig?, over old: SmokepingConfig?, slots: [Slot], now: ContinuousClock.Instant,
                       generation: inout Int) -> [Slot] {
        guard let fresh else {
            for slot in slots { slot.session?.close() }
            if old != nil { logger.info("continuous mode stopped: no smokeping section") }
            return []
        }
        if let old, old.metricsPath != fresh.metricsPath, fresh.metricsPath != SmokepingConfig.defaultMetricsPath {
            logger.warning("smokeping: a new metrics_path is served after a restart", metadata: ["path": "\(fresh.metricsPath)"])
        }
        let reshaped = old.map {
            $0.buckets != fresh.buckets || $0.payloadSize != fresh.payloadSize || $0.ttl != fresh.ttl
                || $0.sourceIPAddress != fresh.sourceIPAddress || $0.ipProtocol != fresh.ipProtocol
        } ?? true
        let wanted = Set(fresh.hosts)
        var previous: [SmokepingConfig.Host: Slot] = [:]
        for slot in slots {
            if wanted.contains(slot.host) {
                previous[slot.host] = slot
                if reshaped { slot.session?.close() }
            } else {
                slot.session?.close()
            }
        }
        let count = fresh.hosts.count
        var result: [Slot] = []
        result.reserveCapacity(count)
        for (index, host) in fresh.hosts.enumerated() {
            let due = now + fresh.interval.duration * index / max(count, 1)
            if var slot = previous[host] {
                slot.nextSend = due
                if reshaped {
                    // Same address, fresh series; a name is resolved again with the new settings.
                    slot.session = nil
                    slot.series = nil
                    slot.sent = 0
                    if IPAddress(host.address) == nil { slot.resolveAt = now }
                    open(&slot, settings: fresh)
                }
                result.append(slot)
                continue
            }
            generation += 1
            var slot = Slot(host: host, nextSend: due, generation: generation)
            if let literal = IPAddress(host.address) {
                slot.address = literal
                open(&slot, settings: fresh)
            } else {
                slot.resolveAt = now
            }
            result.append(slot)
        }
        logger.info("continuous mode", metadata: ["hosts": "\(count)", "interval": "\(fresh.interval)", "path": "\(fresh.metricsPath)"])
        return result
    }

    /// Opens a session for the slot's address with fresh series (from 0).
    private func open(_ slot: inout Slot, settings: SmokepingConfig) {
        guard let address = slot.address else { return }
        let series = SmokepingSeries(host: slot.host.label, ip: address, source: settings.sourceIPAddress ?? "",
                                     buckets: settings.buckets)
        slot.series = series
        connect(&slot, series: series, settings: settings)
    }

    /// Opens the slot's session, whose replies go to `series`. A failure is logged once per
    /// reason, not once per host (1,024 hosts without ICMP sockets are one problem).
    private func connect(_ slot: inout Slot, series: SmokepingSeries, settings: SmokepingConfig) {
        guard let address = slot.address else { return }
        let options = EchoOptions(payloadSize: settings.payloadSize, ttl: settings.ttl,
                                  source: settings.sourceIPAddress.flatMap(IPAddress.init))
        do {
            slot.session = try engine.openSession(to: ICMPDestination(address: address), options: options) { reply in
                series.record(reply)
            }
            if slot.failing {
                logger.info("smokeping: pinging again", metadata: ["host": "\(slot.host.label)", "ip": "\(address)"])
                lastOpenError.withLock { $0 = nil }
            }
            slot.failing = false
        } catch {
            let reason = error.description
            let first = lastOpenError.withLock { last in
                defer { last = reason }
                return last != reason
            }
            if first {
                logger.error("smokeping: cannot ping, counting send errors until it can",
                             metadata: ["host": "\(slot.host.label)", "ip": "\(address)", "err": "\(reason)"])
            }
            slot.session = nil
            slot.failing = true
        }
    }

    /// Sends every due request, starting at `cursor`, and returns the next slot to fall due: one
    /// request per host per interval, at the host's phase. A host that fell behind (a stalled
    /// loop) skips the missed turns instead of catching up in a burst.
    private func sendDue(_ slots: inout [Slot], from cursor: Int, settings: SmokepingConfig,
                         now: ContinuousClock.Instant) -> Int {
        let interval = settings.interval.duration
        var index = cursor
        var visited = 0
        var skipped = false
        while visited < slots.count, slots[index].nextSend <= now {
            slots[index].nextSend += interval
            if slots[index].nextSend <= now {
                let behind = now - slots[index].nextSend
                slots[index].nextSend += interval * (Int(behind / interval) + 1)
                skipped = true
            }
            send(&slots[index], settings: settings)
            index = (index + 1) % slots.count
            visited += 1
        }
        guard skipped else { return index }
        // After a stall the turns no longer follow the slot order: start from the earliest.
        return slots.indices.min { slots[$0].nextSend < slots[$1].nextSend } ?? 0
    }

    /// One request to the slot's host, counted before it leaves: a loopback reply can arrive
    /// before send() returns. Nothing is sent (or counted) while the host has no address.
    private func send(_ slot: inout Slot, settings: SmokepingConfig) {
        guard let series = slot.series else { return }
        if let limit = requestLimit, slot.sent >= limit { return }
        slot.sent += 1
        if slot.session == nil { connect(&slot, series: series, settings: settings) }
        series.recordRequest()
        guard let session = slot.session else {
            series.recordSendError()
            return
        }
        do {
            try session.send()
        } catch {
            series.recordSendError()
            logger.debug("smokeping: send failed", metadata: ["host": "\(slot.host.label)", "err": "\(error)"])
        }
    }

    /// Starts the resolutions that are due, each on the resolver pool.
    /// Returns when the next one falls due (at most an idle poll away).
    private func startResolutions(_ slots: inout [Slot], settings: SmokepingConfig,
                                  now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var next = now + .seconds(1)
        for index in slots.indices {
            guard let due = slots[index].resolveAt, !slots[index].resolving else { continue }
            guard due <= now else {
                next = min(next, due)
                continue
            }
            slots[index].resolving = true
            let name = slots[index].host.address
            let label = slots[index].host.label
            let generation = slots[index].generation
            let preference = settings.ipProtocol
            let resolver = self.resolver
            Task {
                let result: Result<HostResolution, HostResolutionError>
                do {
                    result = try await Self.resolverPool.runIfActive {
                        Result { () throws(HostResolutionError) -> HostResolution in
                            try resolver.resolve(name, preference: preference)
                        }
                    }
                } catch {
                    result = .failure(HostResolutionError("cannot resolve \(name): \(error)"))
                }
                self.resolved.withLock { $0.append(Resolution(label: label, generation: generation, result: result)) }
            }
        }
        return next
    }

    /// Applies finished resolutions: `any` when there were some, `changed` when a host's series
    /// changed.
    private func absorbResolutions(into slots: inout [Slot], settings: SmokepingConfig,
                                   now: ContinuousClock.Instant) -> (any: Bool, changed: Bool) {
        let done = resolved.withLock { list -> [Resolution] in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        guard !done.isEmpty else { return (false, false) }
        var changed = false
        for resolution in done {
            guard let index = slots.firstIndex(where: { $0.host.label == resolution.label && $0.generation == resolution.generation })
            else { continue }
            slots[index].resolving = false
            switch resolution.result {
            case let .success(answer):
                slots[index].resolveAt = now + answer.validFor
                guard answer.address != slots[index].address else { continue }
                if let old = slots[index].address {
                    logger.info("smokeping: address changed", metadata: [
                        "host": "\(slots[index].host.label)", "old": "\(old)", "new": "\(answer.address)",
                    ])
                }
                slots[index].session?.close()
                slots[index].session = nil
                slots[index].address = answer.address
                open(&slots[index], settings: settings)
                changed = true
            case let .failure(error):
                slots[index].resolveAt = now + resolveRetry
                logger.warning("smokeping: cannot resolve, keeping the last address",
                               metadata: ["host": "\(slots[index].host.label)", "err": "\(error)",
                                          "ip": "\(slots[index].address.map { "\($0)" } ?? "none")"])
            }
        }
        return (true, changed)
    }

    private func publish(_ slots: [Slot]) {
        let list = slots.compactMap(\.series).sorted { $0.host < $1.host }
        published.withLock { $0 = list }
    }
}
