import FoundationEssentials
import Logging
import VandineCore

/// The work every probe shares, done once (blackbox_exporter's handler): module lookup, target
/// check, timeout, running the prober under one deadline, `probe_success`,
/// `probe_duration_seconds`, statistics, caching of modules with an `interval`, the debug output,
/// and one `info` log line per failed probe.
public struct ProbeHandler: Sendable {
    /// Prometheus' header minus this margin leaves time to ship the answer before the scrape times out.
    public static let scrapeTimeoutMargin = 0.5
    /// Shortest timeout we give a probe, whatever the header says.
    public static let minimumTimeout = 0.05
    /// How long after the deadline the backstop cuts a prober off. Probers budget against the
    /// deadline themselves and record what they measured when it passes (e.g. the status line of a
    /// response that stalls mid-body); the grace lets them finish that, well inside the 0.5 s
    /// scrape-timeout margin.
    public static let backstopGrace = Duration.milliseconds(100)

    public let probers: ProberRegistry
    public let statistics: ProbeStatistics
    public let cache: ProbeCache
    public let history: ProbeHistory
    public let logger: Logger

    public init(probers: ProberRegistry, statistics: ProbeStatistics = ProbeStatistics(),
                cache: ProbeCache = ProbeCache(), history: ProbeHistory = ProbeHistory(),
                logger: Logger = Logger(label: "vandine-exporter")) {
        self.probers = probers
        self.statistics = statistics
        self.cache = cache
        self.history = history
        self.logger = logger
    }

    /// Answers one `/probe` request against `config`.
    public func handle(_ request: ProbeRequest, config: ExporterConfig) async -> ProbeResponse {
        guard let moduleName = request.module, !moduleName.isEmpty else {
            return .badRequest("module parameter is missing")
        }
        guard var module = config.modules[moduleName] else {
            return .badRequest("unknown module \"\(HostPort.printable(moduleName))\"")
        }
        guard let targetText = request.target, !targetText.isEmpty else {
            return .badRequest("target parameter is missing")
        }
        let target: ProbeTarget
        switch TargetPolicy.resolve(targetText, form: module.options.targetForm, in: config) {
        case let .success(resolved): target = resolved
        case let .failure(.malformed(reason)): return .badRequest(reason)
        case let .failure(.forbidden(reason)): return .forbidden(reason)
        }
        module.timeout = Self.effectiveTimeout(module: module.timeout, scrapeTimeout: request.scrapeTimeoutSeconds)

        var completed: CompletedProbe
        if let interval = module.interval {
            let module = module
            completed = await cache.result(module: moduleName, target: target.description, interval: interval) {
                await run(target: target, module: module, config: config)
            }
            // A cached result says how old it is: a 30-minute throughput test is not news.
            completed.metrics.gauge("vandine_probe_age_seconds", (ContinuousClock.now - completed.finishedAt).inSeconds,
                                    help: "Seconds since this result was measured (modules with an interval return a cached result)")
        } else {
            completed = await run(target: target, module: module, config: config)
        }

        if request.debug {
            var text = Self.debugText(completed, module: module)
            let age = (ContinuousClock.now - completed.finishedAt).inSeconds
            if let interval = module.interval, age >= 0.001 {
                text = "Cached result from \(age.formatted(decimals: 3))s ago (module interval \(interval)).\n\n" + text
            }
            return .debug(text)
        }
        return .metrics(ExpositionEncoder.encode(completed.metrics.families))
    }

    /// min(module timeout, scrape timeout − margin), never below `minimumTimeout`.
    /// The header is client input: any value that is not a finite positive number is ignored, and
    /// anything above the module timeout is capped before it is converted (1e308 must not trap).
    static func effectiveTimeout(module: PrometheusDuration, scrapeTimeout: Double?) -> PrometheusDuration {
        guard let scrapeTimeout, scrapeTimeout.isFinite, scrapeTimeout > 0 else { return module }
        let seconds = max(scrapeTimeout - scrapeTimeoutMargin, minimumTimeout)
        let moduleSeconds = Double(module.milliseconds) / 1000
        guard seconds < moduleSeconds else { return module }
        // Rounded to the millisecond, not down: 0.6 - 0.5 is 0.0999… in binary and means 100 ms.
        return PrometheusDuration(milliseconds: Int64((seconds * 1000).rounded()))
    }

    /// Runs the module's prober with its (already shortened) timeout as the one deadline; the
    /// handler's timer is the backstop that cuts off a prober overrunning it.
    func run(target: ProbeTarget, module: ModuleConfig, config: ExporterConfig) async -> CompletedProbe {
        let log = ProbeLog()
        log.log("beginning probe of \(target.logDescription) with module \(module.name) (prober \(module.prober), timeout \(module.timeout))")
        let prober = probers.prober(for: module.options)
        let start = ContinuousClock.now
        let context = ProbeContext(target: target, module: module, log: log, deadline: start + module.timeout.duration,
                                   policy: TargetAuthorizer(config: config))
        let success: Bool
        if let finished = await firstResult(within: module.timeout.duration + Self.backstopGrace, { await prober.probe(context) }) {
            success = finished
        } else {
            log.fail(Task.isCancelled ? "probe cancelled" : "probe timed out after \(module.timeout)")
            success = false
        }
        let seconds = (ContinuousClock.now - start).inSeconds
        var metrics = context.metrics.snapshot
        metrics.gauge("probe_success", success ? 1 : 0, help: "Displays whether or not the probe was a success")
        metrics.gauge("probe_duration_seconds", seconds, help: "Returns how long the probe took to complete in seconds")
        metrics.gauge("probe_timeout_seconds", module.timeout.duration.inSeconds, help: "Returns the probe timeout in seconds")
        for conflict in metrics.conflicts { log.log("metric conflict: \(conflict)") }
        log.log("probe \(success ? "succeeded" : "failed") in \(Int((seconds * 1000).rounded()))ms")
        if !success {
            logger.info("probe failed", metadata: [
                "module": "\(module.name)", "target": "\(target.requested ?? target.description)",
                "reason": "\(log.failureReason ?? "see debug=true")",
            ])
        }
        statistics.record(module: module.name, success: success, seconds: seconds)
        let entries = log.entries
        history.record(.init(time: Date(), module: module.name, target: target.logDescription,
                             success: success, seconds: seconds, log: entries))
        return CompletedProbe(success: success, metrics: metrics, log: entries, finishedAt: .now)
    }

    static func debugText(_ probe: CompletedProbe, module: ModuleConfig) -> String {
        var text = "Logs for the probe:\n"
        for line in probe.log { text += line + "\n" }
        text += "\n\nMetrics that would have been returned:\n"
        text += ExpositionEncoder.encode(probe.metrics.families)
        text += "\n\nModule configuration:\n"
        text += ConfigRenderer.render(module: module)
        return text
    }
}

/// A finished probe: its success, its metrics (including `probe_success`) and its log — what the
/// cache keeps and the debug output shows.
public struct CompletedProbe: Sendable {
    public var success: Bool
    public var metrics: MetricSet
    public var log: [String]
    /// When the probe finished (a cached result is older than the request that gets it).
    public var finishedAt: ContinuousClock.Instant
}
