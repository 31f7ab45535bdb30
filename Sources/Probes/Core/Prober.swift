import VandineCore

/// What a prober returns: whether the probe succeeded and the metrics it measured. The handler adds
/// `probe_success` and `probe_duration_seconds` itself.
public struct ProbeOutcome: Sendable {
    public var success: Bool
    public var metrics: MetricSet

    public init(success: Bool, metrics: MetricSet = MetricSet()) {
        self.success = success
        self.metrics = metrics
    }
}

/// One kind of probe (blackbox_exporter's ProbeFn). A prober must return promptly when its task is
/// cancelled: the handler cancels it at the deadline.
public protocol Prober: Sendable {
    /// Probes `target` with `module`'s options, logging what it does to `log`.
    func probe(target: ProbeTarget, module: ModuleConfig, log: ProbeLog) async -> ProbeOutcome
}

/// ONE list of probers: every `ProberKind` maps to exactly one implementation (the switch is
/// exhaustive, so adding a kind without a prober does not compile).
public struct ProberRegistry: Sendable {
    public var tcp: any Prober

    public init(tcp: any Prober = TCPProber()) {
        self.tcp = tcp
    }

    public func prober(for kind: ProberKind) -> any Prober {
        switch kind {
        case .tcp: tcp
        }
    }
}
