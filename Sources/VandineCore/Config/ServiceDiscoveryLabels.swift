/// Label names that `/sd` sets on every target group itself; a device label of the same name would
/// be overwritten there, so the config refuses it.
public enum ServiceDiscoveryLabels {
    public static let device = "device"
    public static let module = "module"
    public static let service = "service"
    public static let reserved: Set<String> = [device, module, service]
}
