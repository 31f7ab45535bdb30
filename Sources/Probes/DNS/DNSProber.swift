import VandineCore

/// blackbox_exporter's `dns` prober (being written).
public struct DNSProber: Prober {
    public init() {}
    public func probe(_ context: ProbeContext) async -> Bool {
        context.log.fail("the dns prober is not built in yet")
        return false
    }
}
