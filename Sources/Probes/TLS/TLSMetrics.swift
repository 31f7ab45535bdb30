import NIOSSL
import VandineCore

/// blackbox_exporter's TLS metrics for the `tcp` prober: `probe_tls_version_info{version}` and
/// `probe_ssl_earliest_cert_expiry` (Unix seconds) from the server's certificate.
enum TLSMetrics {
    /// Go's spelling of a TLS version (`TLS 1.3`), which blackbox puts in the `version` label.
    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLS 1.0"
        case .tlsv11: "TLS 1.1"
        case .tlsv12: "TLS 1.2"
        case .tlsv13: "TLS 1.3"
        }
    }

    static func record(version: String?, leaf: NIOSSLCertificate?, context: ProbeContext) {
        if let version {
            context.metrics.gauge("probe_tls_version_info", 1, help: "Returns the TLS version used or NaN when unknown",
                                  labels: ["version": version])
        }
        if let leaf {
            context.metrics.gauge("probe_ssl_earliest_cert_expiry", Double(leaf.notValidAfter),
                                  help: "Returns last SSL chain expiry in unixtime")
        }
    }
}
