import CurlClient
import VandineCore

/// blackbox_exporter's `http` metrics from a response (names, labels and meanings as in its
/// prober/http.go).
enum HTTPMetrics {
    static func recordPhases(_ phases: HTTPPhases, context: ProbeContext) {
        for (phase, seconds) in phases.values {
            context.metrics.gauge("probe_http_duration_seconds", seconds,
                                  help: "Duration of http request by phase, summed over all redirects", labels: ["phase": phase])
        }
    }

    /// blackbox registers these before the request, so a probe whose connection fails still
    /// reports them as 0 (alert rules such as `probe_http_status_code != 200` rely on that).
    static func recordDefaults(context: ProbeContext) {
        let sink = context.metrics
        for phase in ["resolve", "connect", "tls", "processing", "transfer"] {
            sink.gauge("probe_http_duration_seconds", 0, help: "Duration of http request by phase, summed over all redirects",
                       labels: ["phase": phase])
        }
        sink.gauge("probe_http_status_code", 0, help: "Response HTTP status code")
        sink.gauge("probe_http_content_length", 0, help: "Length of http content response")
        sink.gauge("probe_http_uncompressed_body_length", 0, help: "Length of uncompressed response body")
        sink.gauge("probe_http_redirects", 0, help: "The number of redirects")
        sink.gauge("probe_http_ssl", 0, help: "Indicates if SSL was used for the final redirect")
        sink.gauge("probe_http_version", 0, help: "Returns the version of HTTP of the probe response")
        sink.gauge("probe_failed_due_to_regex", 0, help: "Indicates if probe failed due to regex")
    }

    /// The final response's metrics, with the phases summed over every hop (blackbox's
    /// `probe_http_duration_seconds` is "summed over all redirects").
    static func record(_ response: HTTPResponse, phases: HTTPPhases, redirects: Int, context: ProbeContext) {
        let sink = context.metrics
        recordPhases(phases, context: context)
        guard response.statusCode > 0 else { return }
        sink.gauge("probe_http_status_code", Double(response.statusCode), help: "Response HTTP status code")
        let length = response.headers["Content-Length"].flatMap { Double($0.trimmingBlanks()) } ?? -1
        sink.gauge("probe_http_content_length", length, help: "Length of http content response")
        sink.gauge("probe_http_uncompressed_body_length", Double(response.body.count), help: "Length of uncompressed response body")
        sink.gauge("probe_http_redirects", Double(redirects), help: "The number of redirects")
        sink.gauge("probe_http_ssl", response.tls == nil ? 0 : 1, help: "Indicates if SSL was used for the final redirect")
        if let version = response.httpVersion {
            sink.gauge("probe_http_version", version.number, help: "Returns the version of HTTP of the probe response")
        }
        if let lastModified = response.headers["Last-Modified"], let seconds = HTTPDate.parse(lastModified) {
            sink.gauge("probe_http_last_modified_timestamp_seconds", seconds,
                       help: "Returns the Last-Modified HTTP response header in unixtime")
        }
        if let tls = response.tls { record(tls, context: context) }
    }

    /// The certificate and TLS metrics (blackbox's names; `probe_ssl_last_chain_info` describes the
    /// leaf certificate, its `subjectalternative` being the DNS names only, as blackbox's).
    static func record(_ tls: TLSInfo, context: ProbeContext) {
        let sink = context.metrics
        sink.gauge("probe_tls_version_info", 1, help: "Returns the TLS version used or NaN when unknown", labels: ["version": tls.version])
        if !tls.cipher.isEmpty {
            sink.gauge("probe_tls_cipher_info", 1, help: "Returns the TLS cipher negotiated during handshake", labels: ["cipher": tls.cipher])
        }
        if let earliest = tls.earliestPeerExpiry {
            sink.gauge("probe_ssl_earliest_cert_expiry", earliest, help: "Returns last SSL chain expiry in unixtime")
        }
        if let chainExpiry = tls.verifiedChainExpiry {
            sink.gauge("probe_ssl_last_chain_expiry_timestamp_seconds", chainExpiry,
                       help: "Returns last SSL chain expiry in timestamp")
        }
        if let leaf = tls.peerCertificates.first {
            sink.gauge("probe_ssl_last_chain_info", 1, help: "Contains SSL leaf certificate information", labels: [
                "fingerprint_sha256": leaf.sha256Fingerprint, "subject": leaf.subject, "issuer": leaf.issuer,
                "subjectalternative": leaf.dnsNames.joined(separator: ","), "serialnumber": leaf.serialNumber,
            ])
        }
    }
}
