import VandineCore

/// Everything one probe gets: the target (parsed and allowed), the module, the log, ONE deadline
/// for the whole probe, and the sink its metrics go to as they are measured.
///
/// Every step budgets against ``deadline`` (``remaining``); the handler's timer is only the
/// backstop. Because metrics go to the sink as they are measured, a probe cut off at its deadline
/// still reports what it measured before (the DNS time, the connect time, packets so far).
public struct ProbeContext: Sendable {
    public let target: ProbeTarget
    public let module: ModuleConfig
    public let log: ProbeLog
    /// The instant the whole probe must be finished by.
    public let deadline: ContinuousClock.Instant
    public let metrics: MetricsSink
    /// The target policy of the config in force, for targets a probe meets on its way (an HTTP
    /// redirect): it may go only where a `/probe` request could.
    public let policy: TargetAuthorizer

    public init(target: ProbeTarget, module: ModuleConfig, log: ProbeLog, deadline: ContinuousClock.Instant,
                metrics: MetricsSink = MetricsSink(), policy: TargetAuthorizer = TargetAuthorizer(config: ExporterConfig())) {
        self.target = target
        self.module = module
        self.log = log
        self.deadline = deadline
        self.metrics = metrics
        self.policy = policy
    }

    /// The config in force (the one ``policy`` checks against): its modules and devices, for a
    /// prober that runs other modules (the services prober).
    public var config: ExporterConfig { policy.config }

    /// Time left until ``deadline`` (zero when it has passed).
    public var remaining: Duration { max(.zero, deadline - .now) }

    /// True once the deadline has passed.
    public var isExpired: Bool { ContinuousClock.now >= deadline }
}
