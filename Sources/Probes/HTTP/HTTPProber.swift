import VandineCore

/// blackbox_exporter's `http` prober (being written).
public struct HTTPProber: Prober {
    public init() {}
    public func probe(_ context: ProbeContext) async -> Bool {
        context.log.fail("the http prober is not built in yet")
        return false
    }
}
