import FoundationEssentials
import VandineCore

/// The work every probe shares, done once (blackbox_exporter's handler): module lookup, target
/// check, timeout, running the prober under a deadline, `probe_success`, `probe_duration_seconds`,
/// statistics, caching of modules with an `interval`, and the debug output.
public struct ProbeHandler: Sendable {
    /// Prometheus' header minus this margin leaves time to ship the answer before the scrape times out.
    public static let scrapeTimeoutMargin = 0.5
    /// Shortest timeout we give a probe, whatever the header says.
    public static let minimumTimeout = 0.05

    public let probers: ProberRegistry
    public let statistics: ProbeStatistics
    public let cache: ProbeCache
    public let history: ProbeHistory

    public init(probers: ProberRegistry = ProberRegistry(), statistics: ProbeStatistics = ProbeStatistics(),
                cache: ProbeCache = ProbeCache(), history: ProbeHistory = ProbeHistory()) {
        self.probers = probers
        self.statistics = statistics
        self.cache = cache
        self.history = history
    }

    /// Answers one `/probe` request against `config`.
    public func handle(_ request: ProbeRequest, config: ExporterConfig) async -> ProbeReply {
        guard let moduleName = request.module, !moduleName.isEmpty else {
            return .badRequest("module parameter is missing")
        }
        guard var module = config.modules[moduleName] else {
            return .badRequest("unknown module \"\(moduleName)\"")
        }
        guard let targetText = request.target, !targetText.isEmpty else {
            return .badRequest("target parameter is missing")
        }
        let target: ProbeTarget
        switch TargetPolicy.resolve(targetText, in: config) {
        case let .success(resolved): target = resolved
        case let .failure(.malformed(reason)): return .badRequest(reason)
        case let .failure(.forbidden(reason)): return .forbidden(reason)
        }
        module.timeout = Self.effectiveTimeout(module: module.timeout, scrapeTimeout: request.scrapeTimeoutSeconds)

        let result: ProbeResult
        if let interval = module.interval {
            let module = module
            result = await cache.result(module: moduleName, target: targetText, interval: interval) {
                await run(target: target, module: module)
            }
        } else {
            result = await run(target: target, module: module)
        }

        if request.debug {
            return .debug(Self.debugText(result: result, module: module))
        }
        return .metrics(ExpositionEncoder.encode(result.metrics.families))
    }

    /// min(module timeout, scrape timeout − margin), never below `minimumTimeout`.
    static func effectiveTimeout(module: PrometheusDuration, scrapeTimeout: Double?) -> PrometheusDuration {
        guard let scrapeTimeout, scrapeTimeout.isFinite, scrapeTimeout > 0 else { return module }
        let seconds = max(scrapeTimeout - scrapeTimeoutMargin, minimumTimeout)
        let milliseconds = Int64((seconds * 1000).rounded(.down))
        return PrometheusDuration(milliseconds: min(module.milliseconds, milliseconds))
    }

    /// Runs the module's prober with its (already shortened) timeout as a hard deadline.
    func run(target: ProbeTarget, module: ModuleConfig) async -> ProbeResult {
        let log = ProbeLog()
        log.log("beginning probe of \(target) with module \(module.name) (prober \(module.prober.rawValue), timeout \(module.timeout))")
        let prober = probers.prober(for: module.prober)
        let start = ContinuousClock.now
        let outcome: ProbeOutcome
        if let finished = await firstResult(within: module.timeout.duration, {
            await prober.probe(target: target, module: module, log: log)
        }) {
            outcome = finished
        } else {
            log.log(Task.isCancelled ? "probe cancelled" : "probe timed out after \(module.timeout)")
            outcome = ProbeOutcome(success: false)
        }
        let seconds = (ContinuousClock.now - start).inSeconds
        var metrics = outcome.metrics
        metrics.gauge("probe_success", outcome.success ? 1 : 0, help: "Displays whether or not the probe was a success")
        metrics.gauge("probe_duration_seconds", seconds, help: "Returns how long the probe took to complete in seconds")
        log.log("probe \(outcome.success ? "succeeded" : "failed") in \(Int((seconds * 1000).rounded()))ms")
        statistics.record(module: module.name, success: outcome.success, seconds: seconds)
        let entries = log.entries
        history.record(.init(time: Date(), module: module.name, target: target.description,
                             success: outcome.success, seconds: seconds, log: entries))
        return ProbeResult(success: outcome.success, metrics: metrics, log: entries)
    }

    static func debugText(result: ProbeResult, module: ModuleConfig) -> String {
        var text = "Logs for the probe:\n"
        for line in result.log { text += line + "\n" }
        text += "\n\nMetrics that would have been returned:\n"
        text += ExpositionEncoder.encode(result.metrics.families)
        text += "\n\nModule configuration:\n"
        text += ConfigRenderer.render(module: module)
        return text
    }
}

/// A finished probe: its success, its metrics (including `probe_success`) and its log.
public struct ProbeResult: Sendable {
    public var success: Bool
    public var metrics: MetricSet
    public var log: [String]
}
