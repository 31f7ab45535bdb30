/// Label names that `/sd` sets on target groups itself; a configured label of the same name would
/// be overwritten there, so the config refuses it.
public enum ServiceDiscoveryLabels {
    public static let device = "device"
    public static let module = "module"
    public static let service = "service"
    /// `"true"` on the entries of hosts found by the discovery sweep (absent on configured devices).
    public static let discovered = "vandine_discovered"
    /// A discovered host's MAC address (`aa:bb:cc:dd:ee:ff`), when the neighbour table knows it.
    public static let mac = "mac"
    /// A discovered host's reverse-DNS name, when it has one.
    public static let hostname = "hostname"
    /// Names a device's `labels:` may not use.
    public static let reserved: Set<String> = [device, module, service, discovered]
    /// Names `discovery.labels` may not use.
    public static let discoveryReserved: Set<String> = reserved.union([mac, hostname])
}
