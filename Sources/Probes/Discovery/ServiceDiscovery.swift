import VandineCore

/// Prometheus HTTP service discovery (`http_sd_configs`): one target group per (device, module) and
/// per device service, with `__param_target` / `__param_module` set so a single scrape job with
/// `metrics_path: /probe` covers everything.
public enum ServiceDiscovery {
    /// One entry of the `/sd` JSON array.
    public struct TargetGroup: Codable, Equatable, Sendable {
        public var targets: [String]
        public var labels: [String: String]
    }

    public static func targetGroups(for config: ExporterConfig) -> [TargetGroup] {
        let defaultServiceModule = config.modules.values.filter { $0.prober == .tcp }.map(\.name).sorted().first
        var groups: [TargetGroup] = []
        for device in config.devices {
            var base = device.labels
            base["device"] = device.name
            for module in device.modules {
                var labels = base
                labels["__param_target"] = device.name
                labels["__param_module"] = module
                labels["module"] = module
                groups.append(TargetGroup(targets: [device.name], labels: labels))
            }
            for service in device.services {
                guard let module = service.module ?? defaultServiceModule else { continue }
                let target = "\(device.name):\(service.port)"
                var labels = base
                labels["__param_target"] = target
                labels["__param_module"] = module
                labels["module"] = module
                labels["service"] = service.name
                groups.append(TargetGroup(targets: [target], labels: labels))
            }
        }
        return groups
    }
}
