/// TLS settings of a request (curl with OpenSSL).
public struct TLSOptions: Sendable, Equatable {
    /// A PEM file of CA certificates to verify the server with, instead of the system store.
    public var caFile: String?
    /// A PEM client certificate (mutual TLS); needs `keyFile` unless the file holds the key too.
    public var certFile: String?
    /// The PEM private key of `certFile`.
    public var keyFile: String?
    /// The name sent as SNI and verified against the certificate, instead of the URL's host.
    ///
    /// libcurl has no SNI option, so the request URL's host is replaced by this name and
    /// `CURLOPT_CONNECT_TO` sends the connection to the original host (or its `ResolvePin` address);
    /// the `Host` header keeps the original authority unless the request sets one. The response's
    /// `effectiveURL` therefore shows this name.
    public var serverName: String?
    /// Skip verifying the certificate chain and host name (`CURLOPT_SSL_VERIFYPEER/HOST` = 0). The
    /// certificates are still reported.
    public var insecureSkipVerify: Bool
    /// The lowest TLS version accepted; nil is curl's default (TLS 1.2 with OpenSSL 3's defaults).
    public var minVersion: TLSVersion?
    /// The highest TLS version offered; nil offers the highest supported.
    public var maxVersion: TLSVersion?

    /// TLS options; the defaults verify against the system CA store with curl's version defaults.
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
                insecureSkipVerify: Bool = false, minVersion: TLSVersion? = nil, maxVersion: TLSVersion? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
        self.minVersion = minVersion
        self.maxVersion = maxVersion
    }
}

/// A TLS protocol version.
public enum TLSVersion: Sendable, Equatable, Comparable, CaseIterable, CustomStringConvertible {
    case tls1_0, tls1_1, tls1_2, tls1_3

    /// As Go prints it (blackbox's `probe_tls_version_info{version=...}`): "TLS 1.0" ... "TLS 1.3".
    public var description: String {
        switch self {
        case .tls1_0: "TLS 1.0"
        case .tls1_1: "TLS 1.1"
        case .tls1_2: "TLS 1.2"
        case .tls1_3: "TLS 1.3"
        }
    }
}
