import VandineCore

/// The services prober's series, one set per service, labelled `service` (its name) and `port`:
/// `vandine_service_up`, `vandine_service_duration_seconds` and, where the check used TLS,
/// `vandine_service_ssl_earliest_cert_expiry` (the child probe's `probe_ssl_earliest_cert_expiry`).
enum ServiceMetrics {
    static let up = "vandine_service_up"
    static let duration = "vandine_service_duration_seconds"
    static let certificateExpiry = "vandine_service_ssl_earliest_cert_expiry"

    /// Records one finished service.
    static func record(_ result: ServiceResult, into metrics: MetricsSink) {
        let labels = ["service": result.service.name, "port": String(result.service.port)]
        metrics.gauge(up, result.up ? 1 : 0, help: "Displays whether or not the service's probe was a success", labels: labels)
        metrics.gauge(duration, result.seconds, help: "Returns how long the service's probe took to complete in seconds", labels: labels)
        if let expiry = result.certificateExpiry {
            metrics.gauge(certificateExpiry, expiry, help: "Returns the earliest SSL certificate expiry of the service in unixtime", labels: labels)
        }
    }
}
