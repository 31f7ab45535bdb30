/// Options of the `services` prober (ours): one probe checks every service listed under a device's
/// `services:`, each with the module the service names, all at once, under the probe's one deadline.
///
/// ```yaml
/// services:
///   default_module: tcp_connect   # module for a service without module: (default: as /sd picks it,
///                                 # tcp_connect, else the first plain-connect tcp module)
///   concurrency: 16               # services probed at the same time (1-256, default 16)
/// ```
///
/// The target is a configured device (`/probe?module=services&target=pi1`); `probe_success` is 1
/// only when every service is up.
public struct ServicesOptions: ProberOptionsSection {
    public static let proberName = "services"
    public static let targetForm = TargetForm.host(noPort: "the services prober checks every service of a device on the services' own ports")
    /// A service cannot be checked by a services module: it would probe the device's services again.
    public static let canCheckService = false

    /// The module for services without `module:`; nil picks it as `/sd` does.
    public var defaultModule: String?
    /// How many services are probed at the same time.
    public var concurrency: Int

    /// Default ``concurrency``.
    public static let defaultConcurrency = 16
    /// Allowed ``concurrency`` values.
    public static let concurrencyRange = 1...256

    public init(defaultModule: String? = nil, concurrency: Int = defaultConcurrency) {
        self.defaultModule = defaultModule
        self.concurrency = concurrency
    }

    public var wrapped: ProberOptions { .services(self) }

    static let keys: Set<String> = ["default_module", "concurrency"]

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> ServicesOptions {
        var options = ServicesOptions()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: keys)
        if let module = map["default_module"] {
            let name = try module.nonEmptyString()
            guard let prober = context.proberName(ofModule: name) else {
                throw module.error("unknown module \(module.quotedValue) (defined modules: \(context.moduleNames.joined(separator: ", ")))")
            }
            guard ProberOptions.section(named: prober)?.canCheckService ?? false else {
                throw module.error("module \(module.quotedValue) uses the \(prober) prober, which cannot check a service (a service needs a \(ProberOptions.serviceProbers) module)")
            }
            options.defaultModule = name
        }
        if let concurrency = map["concurrency"] { options.concurrency = try concurrency.int(in: concurrencyRange) }
        return options
    }

    public func render() -> String {
        var out = ""
        if let defaultModule { out += "default_module: \(ConfigRenderer.quote(defaultModule))\n" }
        return out + "concurrency: \(concurrency)\n"
    }

    public func problem(probing device: DeviceConfig) -> String? {
        device.services.isEmpty ? "the services prober checks the device's services, and it lists none under services:" : nil
    }
}
