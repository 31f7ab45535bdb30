import Testing
import VandineCore
@testable import Probes

/// The `services` section and the config rules around it: parse, render, exact one-line errors
/// naming file:line:column and key path, and the load-time check of a device using the module.
@Suite struct ServicesProberConfigTests {
    static func load(_ yaml: String) throws(ConfigError) -> ExporterConfig {
        try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "vandine.yml")
    }

    /// `yaml` must fail to load with exactly `expected` (one line).
    static func expectError(_ yaml: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(yaml)
            Issue.record("loaded but should fail with: \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description == expected, sourceLocation: sourceLocation)
            #expect(!error.description.utf8.contains(10), sourceLocation: sourceLocation)
        }
    }

    @Test func parsesOptionsWhateverTheModuleOrder() throws {
        let config = try Self.load("""
            modules:
              services:
                prober: services
                timeout: 10s
                services:
                  default_module: plain
                  concurrency: 4
              plain:
                prober: tcp
              defaults:
                prober: services
            """)
        let services = try #require(config.modules["services"])
        #expect(services.options == .services(ServicesOptions(defaultModule: "plain", concurrency: 4)))
        guard case .host = services.options.targetForm else { Issue.record("a services target is a device alone"); return }
        #expect(config.modules["defaults"]?.options == .services(ServicesOptions(defaultModule: nil, concurrency: 16)))
        #expect(ConfigRenderer.render(module: services) == """
            prober: services
            timeout: 10s
            services:
              default_module: "plain"
              concurrency: 4

            """)
        // What /config shows loads back to the same config.
        #expect(try Self.load(ConfigRenderer.render(config)) == config)
    }

    @Test(arguments: [
        ("services: {concurrent: 4}",
         "vandine.yml:4:16: modules.s.services.concurrent: unknown key \"concurrent\" (known keys: concurrency, default_module)"),
        ("services: {concurrency: 0}",
         "vandine.yml:4:29: modules.s.services.concurrency: must be 1-256, got 0"),
        ("services: {concurrency: many}",
         "vandine.yml:4:29: modules.s.services.concurrency: must be an integer 1-256, got many"),
        ("services: {default_module: nope}",
         "vandine.yml:4:32: modules.s.services.default_module: unknown module nope (defined modules: plain, s)"),
        ("services: {default_module: s}",
         "vandine.yml:4:32: modules.s.services.default_module: module s uses the services prober, which cannot check a service (a service needs a dns, http or tcp module)"),
        ("services: {default_module: \"\"}",
         "vandine.yml:4:32: modules.s.services.default_module: must not be empty"),
        ("tcp: {port: 22}",
         "vandine.yml:4:5: modules.s.tcp: tcp options need prober tcp, this module uses services"),
    ])
    func badOptionsAreOneExactLine(_ section: String, _ expected: String) {
        Self.expectError("""
            modules:
              s:
                prober: services
                \(section)
              plain:
                prober: tcp
            """, expected)
    }

    /// The problem hook: a device that lists the services module must list services.
    @Test func aDeviceUsingTheModuleMustListServices() throws {
        Self.expectError("""
            modules:
              services:
                prober: services
            devices:
              - name: pi1
                address: 127.0.0.1
                modules: [services]
            """, "vandine.yml:7:15: devices[0].modules[0]: module \"services\" can never succeed against device \"pi1\": the services prober checks the device's services, and it lists none under services:")
        // Services listed after modules: count all the same.
        let config = try Self.load("""
            modules:
              services:
                prober: services
              tcp_connect:
                prober: tcp
            devices:
              - name: pi1
                address: 127.0.0.1
                modules: [services]
                services:
                  - {name: ssh, port: 22}
            """)
        #expect(config.devices[0].modules == ["services"])
        let problem = ServicesOptions().problem(probing: DeviceConfig(name: "x", address: "127.0.0.1"))
        #expect(problem == "the services prober checks the device's services, and it lists none under services:")
        #expect(ServicesOptions().problem(probing: config.devices[0]) == nil)
    }

    @Test func aServiceCannotBeCheckedByAServicesModule() {
        Self.expectError("""
            modules:
              services:
                prober: services
            devices:
              - name: pi1
                address: 127.0.0.1
                services:
                  - {name: all, port: 22, module: services}
            """, "vandine.yml:8:39: devices[0].services[0].module: module services uses the services prober, which cannot check a service (a service needs a dns, http or tcp module)")
    }

    @Test func aServiceIsListedOncePerPort() throws {
        Self.expectError("""
            devices:
              - name: pi1
                address: 127.0.0.1
                services:
                  - {name: web, port: 80}
                  - {name: web, port: 80}
            """, "vandine.yml:6:16: devices[0].services[1].name: duplicate service \"web\" on port 80 (first listed at devices[0].services[0]): the services prober labels its series by service and port")
        // The same name on another port is another series.
        let config = try Self.load("""
            devices:
              - name: pi1
                address: 127.0.0.1
                services:
                  - {name: web, port: 80}
                  - {name: web, port: 8080}
            """)
        #expect(config.devices[0].services.map(\.port) == [80, 8080])
    }

    @Test func embeddedDefaultProbesTheLocalServices() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: DefaultConfig.yaml(), file: DefaultConfig.fileName)
        #expect(config.modules["services"]?.options == .services(ServicesOptions()))
        let localhost = try #require(config.devices.first { $0.name == "localhost" })
        #expect(localhost.modules.contains("services"))
        // /sd: the (device, services) entry, and still one entry per service.
        let groups = ServiceDiscovery.targetGroups(for: config)
        #expect(groups.contains { $0.targets == ["localhost"] && $0.labels["__param_module"] == "services" })
        #expect(groups.filter { $0.labels["service"] != nil }.count == localhost.services.count)
    }
}
