import CurlClient
import NIOSSL
import VandineCore

/// blackbox_exporter's TLS metrics for the `tcp` prober: `probe_tls_version_info{version}`,
/// `probe_ssl_earliest_cert_expiry` (Unix seconds) and `probe_ssl_last_chain_info` from the
/// server's certificate. NIOSSL exposes only the leaf of the peer's chain, so the earliest expiry is
/// the leaf's and `probe_ssl_last_chain_expiry_timestamp_seconds` is not reported for tcp.
enum TLSMetrics {
    /// Go's spelling of a TLS version (`TLS 1.3`), which blackbox puts in the `version` label.
    static func name(_ version: NIOSSL.TLSVersion) -> String {
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
        guard let leaf else { return }
        context.metrics.gauge("probe_ssl_earliest_cert_expiry", Double(leaf.notValidAfter),
                              help: "Returns last SSL chain expiry in unixtime")
        if let der = try? leaf.toDERBytes(), let info = CertificateInfo(der: der) {
            context.metrics.gauge("probe_ssl_last_chain_info", 1, help: "Contains SSL leaf certificate information", labels: [
                "fingerprint_sha256": info.sha256Fingerprint, "subject": info.subject, "issuer": info.issuer,
                "subjectalternative": info.dnsNames.joined(separator: ","), "serialnumber": info.serialNumber,
            ])
        }
    }
}
