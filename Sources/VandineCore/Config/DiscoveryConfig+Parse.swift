extension DiscoveryConfig {
    /// Keys of the `discovery:` section.
    static let keys: Set<String> = [
        "networks", "interval", "timeout", "packets_per_second", "max_addresses", "modules", "keep_vanished", "labels",
    ]

    /// Parses the `discovery:` section against the config's modules. Every error is one line
    /// naming the file, position, key path and value.
    static func parse(_ node: ConfigNode, modules: [String: ModuleConfig]) throws(ConfigError) -> DiscoveryConfig {
        let map = try node.mapping(allowedKeys: keys)
        var config = DiscoveryConfig(networks: [])
        if let limit = map["max_addresses"] { config.maxAddresses = try limit.int(in: maxAddressesRange) }
        if let rate = map["packets_per_second"] { config.packetsPerSecond = try rate.int(in: packetsPerSecondRange) }
        if let interval = map["interval"] { config.interval = try ConfigLoader.positive(interval) }
        if let timeout = map["timeout"] { config.timeout = try ConfigLoader.positive(timeout) }
        if let keep = map["keep_vanished"] { config.keepVanished = try keep.duration() }

        let networksNode = try map.required("networks")
        let items = try networksNode.list()
        guard !items.isEmpty else { throw networksNode.error("must list at least one network") }
        for item in items {
            let network = try Self.network(item, limit: config.maxAddresses)
            if let index = config.networks.firstIndex(where: { $0.overlaps(network) }) {
                throw item.error("network \(network) overlaps \(networksNode.path)[\(index)] \(config.networks[index])")
            }
            config.networks.append(network)
        }

        if config.timeout >= config.interval {
            if let timeout = map["timeout"] {
                throw timeout.error("must be shorter than interval \(config.interval), got \(timeout.quotedValue)")
            }
            throw (map["interval"] ?? node).error("must be longer than the timeout (\(config.timeout)), got \(config.interval)")
        }
        let sweep = config.minimumSweepDuration
        if sweep > config.interval.duration {
            let count = config.sweepAddresses.count
            let took = PrometheusDuration(milliseconds: Int64((sweep.inSeconds * 1000).rounded()))
            throw (map["interval"] ?? node).error(
                "a sweep of \(count) addresses at \(config.packetsPerSecond) packets per second plus the \(config.timeout) timeout "
                    + "takes \(took), longer than interval \(config.interval): raise interval or packets_per_second")
        }

        if let list = map["modules"] {
            config.modules = []
            for item in try list.list() {
                let name = try item.nonEmptyString()
                guard let module = modules[name] else {
                    throw item.error("unknown module \(item.quotedValue) (defined modules: \(modules.keys.sorted().joined(separator: ", ")))")
                }
                if let problem = module.options.section.problem(probing: DeviceConfig(name: "discovered", address: "192.0.2.1")) {
                    throw item.error("module \"\(name)\" can never succeed against a discovered host: \(problem)")
                }
                config.modules.append(name)
            }
        } else if modules[defaultModule] == nil {
            throw node.error("modules defaults to [\(defaultModule)] but no module \"\(defaultModule)\" is defined: "
                + "define it, or set modules ([] keeps discovered hosts off /sd)")
        }
        if let labels = map["labels"] {
            config.labels = try ConfigLoader.labels(from: labels, reserved: ServiceDiscoveryLabels.discoveryReserved)
        }
        return config
    }

    /// Why no echo to `network` could ever find a host, or nil: IPv4-mapped IPv6 (write the IPv4
    /// network), "this network" 0.0.0.0/8, multicast and the limited broadcast address.
    static func unsweepable(_ network: IPNetwork) -> String? {
        let bytes = network.address.bytes
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return "it is IPv4-mapped IPv6, which is never on a wire: write the IPv4 network (\(network.address.unmappingIPv4)/\(max(0, network.prefixLength - 96)))"
        }
        if bytes.count == 4 {
            if bytes[0] == 0 { return "0.0.0.0/8 means \"this network\" and holds no hosts" }
            if bytes[0] >= 224 && bytes[0] < 240 { return "it is multicast (224.0.0.0/4), not hosts" }
            if bytes[0] >= 240 && network.prefixLength >= 4 { return "it is reserved (240.0.0.0/4) or the broadcast address" }
        } else if bytes[0] == 0xFF {
            return "it is multicast (ff00::/8), not hosts"
        }
        return nil
    }

    /// One `networks` entry: a CIDR of at most `limit` addresses, host bits cleared.
    static func network(_ node: ConfigNode, limit: Int) throws(ConfigError) -> IPNetwork {
        let text = try node.nonEmptyString()
        guard text.contains("/"), let parsed = IPNetwork(text) else {
            throw node.error("must be a CIDR like 192.168.2.0/24 or fd00:2::/120, got \(node.quotedValue)")
        }
        let network = parsed.masked
        if network.isIPv6LinkLocal {
            throw node.error("link-local network \(network) cannot be swept (its addresses need an interface): use a global or unique-local prefix")
        }
        if let reason = unsweepable(network) {
            throw node.error("network \(network) cannot be swept: \(reason)")
        }
        guard let count = network.addressCount, count <= limit else {
            let bits = network.address.bytes.count * 8
            let smallest = bits - (Int.bitWidth - 1 - limit.leadingZeroBitCount)
            throw node.error("network \(network) has \(network.addressCountDescription) addresses, more than max_addresses \(limit) "
                + "(a /\(smallest)): sweep smaller networks or raise max_addresses")
        }
        return network
    }
}
