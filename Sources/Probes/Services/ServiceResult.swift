import VandineCore

/// How one service's check went, as the services prober reports and logs it.
struct ServiceResult: Sendable {
    let service: ServiceConfig
    /// The module that checked it; nil when none could be chosen.
    let module: String?
    /// The target it was probed at (`pi1:22`, `http://pi1:80/`); nil when it was not probed.
    let target: String?
    let up: Bool
    /// From the start of the service's check to its end, in seconds.
    let seconds: Double
    /// Why it is down (the child probe's failure reason), nil when up.
    let reason: String?
    /// The child probe's `probe_ssl_earliest_cert_expiry` (Unix seconds), when it used TLS.
    let certificateExpiry: Double?

    /// `ssh: up in 3ms (module ssh_banner, target pi1:22)` or `ssh: down in 1001ms (…): reason`.
    var logLine: String {
        var line = "\(service.name): \(up ? "up" : "down") in \(Int((seconds * 1000).rounded()))ms"
        var details: [String] = []
        if let module { details.append("module \(module)") }
        details.append(target.map { "target \($0)" } ?? "port \(service.port)")
        line += " (\(details.joined(separator: ", ")))"
        if !up { line += ": \(reason ?? "failed without a reason")" }
        return line
    }
}
