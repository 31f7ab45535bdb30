import VandineCore

/// Decides whether `/probe` may touch a target: configured devices (by name or address) always,
/// anything else only when the config's `allowed_targets` lists it.
public enum TargetPolicy {
    /// Why a target was refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// The target string is not `host[:port]` (HTTP 400).
        case malformed(String)
        /// Well-formed but neither configured nor allowed (HTTP 403).
        case forbidden(String)
    }

    /// Resolves `target` against the config. A device name is replaced by the device's address.
    public static func resolve(_ target: String, in config: ExporterConfig) -> Result<ProbeTarget, Refusal> {
        guard let (host, port) = ProbeTarget.split(target) else {
            return .failure(.malformed("target \"\(target)\" is not host, host:port or [ipv6]:port"))
        }
        if let device = config.device(matching: host) {
            return .success(ProbeTarget(host: device.address, port: port, device: device))
        }
        guard config.allowedTargets.allows(host: host) else {
            return .failure(.forbidden("target \"\(host)\" is not a configured device and not in allowed_targets"))
        }
        return .success(ProbeTarget(host: host, port: port))
    }
}
