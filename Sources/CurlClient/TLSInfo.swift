/// The TLS connection that carried the final response, read from OpenSSL during the transfer.
public struct TLSInfo: Sendable, Equatable {
    /// The negotiated version as Go prints it (blackbox's `probe_tls_version_info`): "TLS 1.2",
    /// "TLS 1.3"; other OpenSSL names are passed through.
    public var version: String
    /// The negotiated cipher suite's IANA name, as Go's `tls.CipherSuiteName` gives it to
    /// blackbox (e.g. "TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").
    public var cipher: String
    /// The certificates the server sent, leaf first (blackbox's `probe_ssl_earliest_cert_expiry`
    /// is the minimum `notAfter` over these).
    public var peerCertificates: [CertificateInfo]
    /// The chain OpenSSL verified, leaf to trust anchor (blackbox's
    /// `probe_ssl_last_chain_expiry_timestamp_seconds` / `probe_ssl_last_chain_info`); empty when
    /// verification was skipped or built no chain.
    public var verifiedChain: [CertificateInfo]

    /// The earliest `notAfter` of the peer certificates (Unix seconds), nil when there are none.
    public var earliestPeerExpiry: Double? { peerCertificates.map(\.notAfter).min() }

    /// The earliest `notAfter` of the verified chain (Unix seconds), nil when there is none.
    public var verifiedChainExpiry: Double? { verifiedChain.map(\.notAfter).min() }
}

/// One X.509 certificate, as blackbox_exporter labels it.
public struct CertificateInfo: Sendable, Equatable {
    /// The subject, RFC 2253 (like Go's `pkix.Name.String()`), e.g. "CN=example.com,O=Example".
    public var subject: String
    /// The issuer, same format.
    public var issuer: String
    /// subjectAltName DNS names.
    public var dnsNames: [String]
    /// subjectAltName IP addresses (IPv6 compressed).
    public var ipAddresses: [String]
    /// subjectAltName email addresses.
    public var emailAddresses: [String]
    /// The serial number, lowercase hex of its bytes (blackbox's `%x` of `SerialNumber.Bytes()`).
    public var serialNumber: String
    /// Start of validity, Unix seconds.
    public var notBefore: Double
    /// End of validity, Unix seconds.
    public var notAfter: Double
    /// SHA-256 of the DER encoding, lowercase hex (64 characters).
    public var sha256Fingerprint: String

    /// Every SAN as one comma-separated string: DNS names, then IP addresses, then emails.
    /// (blackbox's `subjectalternative` label lists the DNS names only: `dnsNames`.)
    public var subjectAlternative: String {
        (dnsNames + ipAddresses + emailAddresses).joined(separator: ",")
    }
}
