/// An HTTP request for `CurlEngine.execute(_:)`: what to send, and how curl should connect.
///
/// The request's deadline is the earlier of `deadline` and (submit time + `timeout`). It is applied
/// as `CURLOPT_TIMEOUT_MS` computed at submit, and the engine also fails the request itself at that
/// instant if curl has not finished (a backstop for a hung transfer).
public struct HTTPRequest: Sendable {
    /// The absolute URL (`http://` or `https://`). Parsed by curl; a malformed URL fails with
    /// `CurlError.Kind.invalidRequest`.
    public var url: String
    /// The method, e.g. "GET", "HEAD", "POST". Default "GET". "HEAD" asks for no body.
    public var method: String
    /// Extra request headers, sent in order. A header given here replaces curl's own of the same
    /// name (e.g. `Host`, `User-Agent`, `Accept`).
    public var headers: HTTPHeaders
    /// The request body, sent with `Content-Length`; nil sends none.
    public var body: [UInt8]?
    /// The time budget from submission (default 30 s). See `deadline`.
    public var timeout: Duration
    /// An absolute deadline; when set, the earlier of it and submit + `timeout` applies.
    public var deadline: ContinuousClock.Instant?
    /// The most response-body bytes kept (after decompression); nil keeps everything.
    public var maxResponseBytes: Int?
    /// What happens when the body exceeds `maxResponseBytes`.
    public var bodyLimitBehavior: BodyLimitBehavior
    /// Whether to follow 3xx `Location` redirects (default true).
    public var followRedirects: Bool
    /// The most redirects followed; one more fails with `.tooManyRedirects` (default 10).
    public var maxRedirects: Int
    /// `Accept-Encoding` and transparent decompression: nil sends none and decodes nothing;
    /// "" offers every encoding curl supports; otherwise the list given (e.g. "gzip").
    public var acceptEncoding: String?
    /// TLS settings for `https://` URLs.
    public var tls: TLSOptions
    /// A proxy URL (`http://host:port`, `socks5://...`); nil means no proxy (environment variables
    /// such as `http_proxy` are ignored).
    public var proxyURL: String?
    /// HTTP basic authentication, sent to the first host only (not on redirects to others).
    public var basicAuth: BasicAuth?
    /// An OAuth 2 bearer token (`Authorization: Bearer <token>`), sent to the first host only.
    public var bearerToken: String?
    /// The HTTP version to ask for; nil lets curl choose (HTTP/2 over TLS when the server offers it).
    public var httpVersion: HTTPVersion?
    /// Addresses resolved by the caller: a request to `host:port` connects to `address` and curl
    /// does no name lookup. See `ResolvePin`.
    public var resolve: [ResolvePin]
    /// Whether the request may reuse a pooled connection (default true). A probe that must measure
    /// connect and TLS every time sets false (`CURLOPT_FRESH_CONNECT` + `CURLOPT_FORBID_REUSE`).
    public var reuseConnection: Bool
    /// The `User-Agent` header curl sends unless `headers` has one.
    public var userAgent: String

    /// Creates a request; every other option has the default documented on its property.
    public init(url: String, method: String = "GET", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]? = nil,
                timeout: Duration = .seconds(30)) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.deadline = nil
        self.maxResponseBytes = nil
        self.bodyLimitBehavior = .truncate
        self.followRedirects = true
        self.maxRedirects = 10
        self.acceptEncoding = nil
        self.tls = TLSOptions()
        self.proxyURL = nil
        self.basicAuth = nil
        self.bearerToken = nil
        self.httpVersion = nil
        self.resolve = []
        self.reuseConnection = true
        self.userAgent = "vandine"
    }

    /// The instant this request must be finished by, if submitted at `now`.
    public func effectiveDeadline(submittedAt now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let byTimeout = now.advanced(by: timeout)
        guard let deadline else { return byTimeout }
        return min(deadline, byTimeout)
    }
}

/// What to do when a response body is larger than `HTTPRequest.maxResponseBytes`.
public enum BodyLimitBehavior: Sendable, Equatable {
    /// Stop reading at the cap and succeed with `HTTPResponse.truncated` set.
    case truncate
    /// Stop reading at the cap and fail with `CurlError.Kind.bodyTooLarge`.
    case fail
}

/// HTTP basic credentials.
public struct BasicAuth: Sendable, Equatable {
    /// The user name (must not contain ":").
    public var username: String
    /// The password.
    public var password: String

    /// Credentials sent as `Authorization: Basic base64(username:password)`.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// An HTTP protocol version.
public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http1_0
    case http1_1
    /// HTTP/2: asked for over TLS via ALPN (falls back to 1.1 when the server does not offer it);
    /// plain `http://` stays on 1.1.
    case http2
    /// HTTP/3 (only reported; curl here is built without it).
    case http3

    /// "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3" (blackbox's `probe_http_version` is 1.0/1.1/2.0).
    public var description: String {
        switch self {
        case .http1_0: "HTTP/1.0"
        case .http1_1: "HTTP/1.1"
        case .http2: "HTTP/2"
        case .http3: "HTTP/3"
        }
    }

    /// The version as a number: 1.0, 1.1, 2.0, 3.0.
    public var number: Double {
        switch self {
        case .http1_0: 1.0
        case .http1_1: 1.1
        case .http2: 2.0
        case .http3: 3.0
        }
    }
}

/// A name the caller resolved itself: requests to `host:port` connect to `address`.
///
/// Mapped to `CURLOPT_CONNECT_TO` ("host:port:address:port"), not `CURLOPT_RESOLVE`: RESOLVE entries
/// go into the DNS cache that every transfer on the engine's one multi handle shares (and in curl
/// 7.88 they never expire), so one probe's pin would leak into other requests; CONNECT_TO is per
/// request. The effect is the same: curl connects to the address literal without a name lookup, and
/// the `Host` header, SNI and certificate verification still use `host`.
public struct ResolvePin: Sendable, Equatable {
    /// The host name as it appears in the URL.
    public var host: String
    /// The URL's port (the scheme's default when the URL has none: 80 or 443).
    public var port: Int
    /// An IPv4 or IPv6 address literal (IPv6 without brackets).
    public var address: String

    /// Pins `host:port` to `address`.
    public init(host: String, port: Int, address: String) {
        self.host = host
        self.port = port
        self.address = address
    }
}
