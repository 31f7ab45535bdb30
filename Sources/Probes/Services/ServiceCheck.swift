import VandineCore

/// One service of a device, ready to probe: the module that checks it and the target it is probed
/// at — the target `/sd` gives the service's own entry, checked by the same policy as a `/probe`
/// request, so the services prober checks exactly what that entry would.
struct ServiceCheck: Sendable {
    let service: ServiceConfig
    /// The module's name and options (its own timeout still applies, within the probe's deadline).
    let module: ModuleConfig
    /// The service's target, e.g. `pi1:22` or `https://pi1:443/`, with the device's address to connect to.
    let target: ProbeTarget

    /// Why a service cannot be probed at all (a sentence fragment for the log).
    struct Unusable: Error {
        let reason: String
    }

    /// The module for `service`: its own `module:`, else the services module's `default_module`,
    /// else the one `/sd` picks (``ServiceDiscovery/defaultModule(in:)``).
    static func moduleName(for service: ServiceConfig, options: ServicesOptions, config: ExporterConfig) -> String? {
        service.module ?? options.defaultModule ?? ServiceDiscovery.defaultModule(in: config)
    }

    /// The check for `service` on `device`, or why there can be none.
    static func plan(_ service: ServiceConfig, on device: DeviceConfig, options: ServicesOptions,
                     context: ProbeContext) throws(Unusable) -> ServiceCheck {
        let config = context.config
        guard let name = moduleName(for: service, options: options, config: config) else {
            throw Unusable(reason: "names no module, and the config has no plain-connect tcp module to default to (define tcp_connect or set default_module in the services module)")
        }
        guard let module = config.modules[name] else {
            throw Unusable(reason: "module \"\(name)\" is not defined")
        }
        guard type(of: module.options.section).canCheckService else {
            throw Unusable(reason: "module \"\(name)\" uses the \(module.prober) prober, which cannot check a service")
        }
        let text = ServiceDiscovery.target(of: service, on: device, form: module.options.targetForm)
        switch context.policy.authorize(text, form: module.options.targetForm) {
        case let .success(target):
            return ServiceCheck(service: service, module: module, target: target)
        case let .failure(.malformed(reason)), let .failure(.forbidden(reason)):
            throw Unusable(reason: reason)
        }
    }
}
