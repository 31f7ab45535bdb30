import VandineCore

/// One kind of probe (blackbox_exporter's ProbeFn). It records its metrics in `context.metrics` as
/// it measures them, logs what it does to `context.log` (a failure with `context.log.fail`), budgets
/// every step against `context.deadline`, and returns whether the probe succeeded. It must return
/// promptly when its task is cancelled: the handler cancels it at the deadline and keeps what was
/// recorded.
public protocol Prober: Sendable {
    func probe(_ context: ProbeContext) async -> Bool
}

/// ONE list of probers: every ``ProberOptions`` case maps to exactly one implementation (the switch
/// is exhaustive, so a new options case without a prober does not compile). Built in the
/// executable's wiring, where the long-lived state the probers share (the curl engine) is made.
public struct ProberRegistry: Sendable {
    public var tcp: any Prober
    public var http: any Prober
    public var dns: any Prober
    public var icmp: any Prober
    public var services: any Prober
    public var cloudflared: any Prober
    public var iperf3: any Prober
    public var command: any Prober
    public var node: any Prober

    /// Without `services`, the services prober runs the given tcp, http and dns probers for each
    /// service (so a registry of fakes probes services with the fakes too). Without `cloudflared`,
    /// cloudflared modules fail with a reason (``UnwiredProber``): the real one needs the curl engine
    /// the wiring owns. Without `iperf3`, an iperf3 prober with a queue of its own (it starts
    /// nothing until probed). Without `command`, a command prober whose SSH always fails with a
    /// reason; without `node`, a node prober whose ssh source fails with a reason (local works).
    public init(tcp: any Prober, http: any Prober, dns: any Prober, icmp: any Prober, services: (any Prober)? = nil,
                cloudflared: (any Prober)? = nil, iperf3: (any Prober)? = nil, command: (any Prober)? = nil,
                node: (any Prober)? = nil) {
        self.tcp = tcp
        self.http = http
        self.dns = dns
        self.icmp = icmp
        self.cloudflared = cloudflared ?? UnwiredProber(name: CloudflaredOptions.proberName)
        self.iperf3 = iperf3 ?? IPerf3Prober(queue: IPerf3Queue(startupStagger: .zero))
        self.command = command ?? CommandProber(executor: UnwiredSSHExecutor())
        self.node = node ?? NodeProber(ssh: UnwiredSSHExecutor())
        self.services = NestedServicesRefusal()
        self.services = services ?? ServicesProber(probers: self)
    }

    public func prober(for options: ProberOptions) -> any Prober {
        switch options {
        case .tcp: tcp
        case .http: http
        case .dns: dns
        case .icmp: icmp
        case .services: services
        case .cloudflared: cloudflared
        case .iperf3: iperf3
        case .command: command
        case .node: node
        }
    }
}

/// Stands in for a prober a registry was built without: its probes fail with that reason.
public struct UnwiredProber: Prober {
    /// The prober's name, for the reason.
    public let name: String

    public init(name: String) { self.name = name }

    public func probe(_ context: ProbeContext) async -> Bool {
        context.log.fail("the \(name) prober is not wired into this exporter's prober registry")
        return false
    }
}
