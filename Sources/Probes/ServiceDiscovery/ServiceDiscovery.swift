import VandineCore

/// Prometheus HTTP service discovery (`http_sd_configs`): one target group per (device, module),
/// per device service and per (discovered host, discovery module), with `__param_target` /
/// `__param_module` set so a single scrape job with `metrics_path: /probe` covers everything.
public enum ServiceDiscovery {
    /// One entry of the `/sd` JSON array.
    public struct TargetGroup: Codable, Equatable, Sendable {
        public var targets: [String]
        public var labels: [String: String]
    }

    /// The groups for `config`'s devices, then for the `discovered` hosts (see
    /// ``discoveredGroups(for:discovered:)``).
    public static func targetGroups(for config: ExporterConfig, discovered: [DiscoveredHost] = []) -> [TargetGroup] {
        deviceGroups(for: config) + discoveredGroups(for: config, discovered: discovered)
    }

    /// One group per (device, module) and per device service.
    public static func deviceGroups(for config: ExporterConfig) -> [TargetGroup] {
        let defaultServiceModule = defaultModule(in: config)
        var groups: [TargetGroup] = []
        for device in config.devices {
            var base = device.labels
            base[ServiceDiscoveryLabels.device] = device.name
            for module in device.modules {
                var labels = base
                labels["__param_target"] = device.name
                labels["__param_module"] = module
                labels[ServiceDiscoveryLabels.module] = module
                groups.append(TargetGroup(targets: [device.name], labels: labels))
            }
            for service in device.services {
                guard let module = service.module ?? defaultServiceModule, let options = config.modules[module]?.options else { continue }
                let target = target(of: service, on: device, form: options.targetForm)
                var labels = base
                labels["__param_target"] = target
                labels["__param_module"] = module
                labels[ServiceDiscoveryLabels.module] = module
                labels[ServiceDiscoveryLabels.service] = service.name
                groups.append(TargetGroup(targets: [target], labels: labels))
            }
        }
        return groups
    }

    /// The `/probe` target that checks `service` with a module whose targets are written in `form`:
    /// `device:port`, or `http(s)://device:port/path` for URL-form modules. The services prober
    /// probes each service at this same target.
    public static func target(of service: ServiceConfig, on device: DeviceConfig, form: TargetForm) -> String {
        switch form {
        case .host: device.name
        case .hostPort: "\(device.name):\(service.port)"
        case .url: "\(service.https ? "https" : "http")://\(device.name):\(service.port)\(service.path ?? "/")"
        }
    }

    /// One group per (discovered host, `discovery.modules` entry) for hosts that answered the last
    /// sweep, lie in a network configured now, and are not configured devices (those have their
    /// own entries). Labels: `vandine_discovered="true"`, `mac` and `hostname` when known,
    /// `module`, and `discovery.labels`.
    public static func discoveredGroups(for config: ExporterConfig, discovered: [DiscoveredHost]) -> [TargetGroup] {
        guard let discovery = config.discovery else { return [] }
        var groups: [TargetGroup] = []
        for host in discovered where host.up && discovery.network(containing: host.address) != nil
            && host.knownDevice(in: config.devices) == nil {
            var base = discovery.labels
            base[ServiceDiscoveryLabels.discovered] = "true"
            if let mac = host.mac { base[ServiceDiscoveryLabels.mac] = mac.description }
            if let hostname = host.hostname { base[ServiceDiscoveryLabels.hostname] = hostname }
            for module in discovery.modules {
                guard let options = config.modules[module]?.options else { continue }
                let address = host.address.description
                let target = options.targetForm == .url && !host.address.isIPv4 ? "[\(address)]" : address
                var labels = base
                labels["__param_target"] = target
                labels["__param_module"] = module
                labels[ServiceDiscoveryLabels.module] = module
                groups.append(TargetGroup(targets: [target], labels: labels))
            }
        }
        return groups
    }

    /// The module a service without `module:` is checked with: `tcp_connect` when defined, else the
    /// first (by name) tcp module that only connects — no dialogue, no TLS — so a service is never
    /// silently probed with, say, an SMTP STARTTLS module.
    public static func defaultModule(in config: ExporterConfig) -> String? {
        if case .tcp = config.modules["tcp_connect"]?.options { return "tcp_connect" }
        return config.modules.values.filter { module in
            guard case let .tcp(options) = module.options else { return false }
            return options.queryResponse.isEmpty && !options.tls
        }.map(\.name).sorted().first
    }
}
