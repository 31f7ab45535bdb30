import VandineCore

/// Our `services` prober: checks every service a device lists under `services:` in one probe, each
/// with the module the service names (a tcp module, plain or with TLS, an http module or a dns
/// module; default as `/sd` picks it), all at once (at most `concurrency` at a time), each as its own
/// child probe: own log and metrics, the service's target as `/sd` writes it, and the probe's one
/// deadline (or the service module's own timeout when that ends sooner).
///
/// Per service, labelled `service` and `port`: `vandine_service_up`,
/// `vandine_service_duration_seconds` and, where TLS was used,
/// `vandine_service_ssl_earliest_cert_expiry`. The probe succeeds only when every service is up;
/// each service's outcome is logged prefixed with its name (with the reason when it is down), so
/// `debug=true` shows which service failed and why.
public struct ServicesProber: Prober {
    /// How long past its deadline a service's probe may run to report how it ended (a prober that
    /// reaches its deadline logs why) before it counts as "did not finish by the deadline": half
    /// the handler's backstop grace, so the services probe itself still ends before the backstop.
    static let childGrace = ProbeHandler.backstopGrace / 2

    let probers: ProberRegistry

    /// `probers` checks the services; its own `services` slot is never used for a service.
    public init(probers: ProberRegistry) {
        var probers = probers
        probers.services = NestedServicesRefusal()
        self.probers = probers
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .services(options) = context.module.options else { return false }
        guard let device = context.target.device else {
            context.log.fail("target \(context.target.logDescription) is not a configured device: the services prober checks the services a device lists under services:")
            return false
        }
        guard context.target.port == nil else {
            context.log.fail("target \(context.target.logDescription) names a port: the services prober checks all of a device's services, write the device's name alone")
            return false
        }
        guard !device.services.isEmpty else {
            context.log.fail("device \"\(device.name)\" lists no services under services:")
            return false
        }
        context.log.log("checking \(device.services.count) services of device \(device.name), at most \(options.concurrency) at a time")

        let results = await withTaskGroup(of: ServiceResult.self, returning: [ServiceResult].self) { group in
            var waiting = device.services.makeIterator()
            for _ in 0..<options.concurrency {
                guard let service = waiting.next() else { break }
                group.addTask { await check(service, on: device, options: options, context: context) }
            }
            var results: [ServiceResult] = []
            for await result in group {
                // Recorded as each finishes: a probe cut off at the deadline keeps what finished.
                ServiceMetrics.record(result, into: context.metrics)
                context.log.log(result.logLine)
                results.append(result)
                if let service = waiting.next() {
                    group.addTask { await check(service, on: device, options: options, context: context) }
                }
            }
            return results
        }

        let down = results.filter { !$0.up }
        guard !down.isEmpty else {
            context.log.log("all \(results.count) services up")
            return true
        }
        let names = down.map { "\($0.service.name):\($0.service.port)" }.joined(separator: ", ")
        let single = down.count == 1 ? ": \(down[0].reason ?? "failed without a reason")" : ""
        context.log.fail("\(down.count) of \(results.count) services down: \(names)\(single)")
        return false
    }

    /// Checks one service as a child probe and says how it went.
    func check(_ service: ServiceConfig, on device: DeviceConfig, options: ServicesOptions,
               context: ProbeContext) async -> ServiceResult {
        let start = ContinuousClock.now
        let check: ServiceCheck
        do {
            check = try ServiceCheck.plan(service, on: device, options: options, context: context)
        } catch {
            return ServiceResult(service: service, module: ServiceCheck.moduleName(for: service, options: options, config: context.config),
                                 target: nil, up: false, seconds: (ContinuousClock.now - start).inSeconds,
                                 reason: error.reason, certificateExpiry: nil)
        }
        let target = check.target.requested ?? check.target.description
        guard !context.isExpired else {
            return ServiceResult(service: service, module: check.module.name, target: target, up: false, seconds: 0,
                                 reason: "not started: the probe's deadline had passed (raise the module's timeout or concurrency)",
                                 certificateExpiry: nil)
        }
        let deadline = min(context.deadline, start + check.module.timeout.duration)
        let child = ProbeContext(target: check.target, module: check.module, log: ProbeLog(), deadline: deadline,
                                 metrics: MetricsSink(), policy: context.policy)
        let prober = probers.prober(for: check.module.options)
        let finished = await firstResult(within: max(.zero, deadline - .now) + Self.childGrace) { await prober.probe(child) }
        let up = finished ?? false
        let reason: String? = if up { nil } else if finished == nil {
            Task.isCancelled ? "cancelled" : "did not finish by the deadline"
        } else {
            child.log.failureReason
        }
        return ServiceResult(service: service, module: check.module.name, target: target, up: up,
                             seconds: (ContinuousClock.now - start).inSeconds, reason: reason,
                             certificateExpiry: child.metrics.snapshot.sample(named: "probe_ssl_earliest_cert_expiry"))
    }
}
