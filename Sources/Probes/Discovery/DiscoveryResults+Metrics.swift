import VandineCore

extension DiscoveryResults {
    /// The discovery series for the exporter's `/metrics`; none before the first sweep.
    ///
    /// - `vandine_discovered_host_info{address,mac,hostname,known_device}` 1 per kept host;
    /// - `vandine_discovered_host_up{address}` 1 when it answered the last sweep, else 0;
    /// - `vandine_discovered_host_last_seen_timestamp_seconds{address}`;
    /// - `vandine_discovery_hosts`: hosts that answered the last sweep;
    /// - `vandine_discovery_last_sweep_{timestamp_seconds,duration_seconds,success}` and
    ///   `vandine_discovery_last_sweep_addresses`.
    ///
    /// `known_device` is the name of the configured device the host is (see
    /// ``DiscoveredHost/knownDevice(in:)``), else empty.
    public func families(devices: [DeviceConfig]) -> [MetricFamily] {
        guard let sweep = lastSweep else { return [] }
        let hosts = self.hosts
        var set = MetricSet()
        for host in hosts {
            let address = host.address.description
            set.gauge("vandine_discovered_host_info", 1,
                      help: "A host found by the discovery sweep, with its MAC address, reverse-DNS name and the configured device it is (empty when unknown).",
                      labels: ["address": address, "mac": host.mac?.description ?? "", "hostname": host.hostname ?? "",
                               "known_device": host.knownDevice(in: devices)?.name ?? ""])
            set.gauge("vandine_discovered_host_up", host.up ? 1 : 0,
                      help: "Whether the discovered host answered the last discovery sweep.", labels: ["address": address])
            set.gauge("vandine_discovered_host_last_seen_timestamp_seconds", host.lastSeen,
                      help: "When the discovered host last answered a sweep; kept for discovery.keep_vanished after it stops.",
                      labels: ["address": address])
        }
        set.gauge("vandine_discovery_hosts", Double(hosts.count { $0.up }), help: "Hosts that answered the last discovery sweep.")
        set.gauge("vandine_discovery_last_sweep_timestamp_seconds", sweep.finished, help: "When the last discovery sweep finished.")
        set.gauge("vandine_discovery_last_sweep_duration_seconds", sweep.durationSeconds, help: "How long the last discovery sweep took.")
        set.gauge("vandine_discovery_last_sweep_success", sweep.success ? 1 : 0,
                  help: "Whether the last discovery sweep ran to the end (0: no ICMP socket, every request refused, or cancelled).")
        set.gauge("vandine_discovery_last_sweep_addresses", Double(sweep.addresses), help: "Addresses the last discovery sweep sent to.")
        return set.families
    }
}
