import VandineCore

/// What the services prober finds in its own slot of the registry it checks services with: a
/// service checked by a services module would probe the device's services again, without end. The
/// config refuses such a service at load and ``ServiceCheck`` refuses it before probing; this is the
/// last line, with the same reason.
struct NestedServicesRefusal: Prober {
    func probe(_ context: ProbeContext) async -> Bool {
        context.log.fail("module \(context.module.name) uses the services prober, which cannot check a service")
        return false
    }
}
