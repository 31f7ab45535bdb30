/// The response to an `HTTPRequest`: the final response after any redirects followed.
public struct HTTPResponse: Sendable {
    /// The status code of the final response; 0 when no status line arrived.
    public var statusCode: Int
    /// The protocol version of the final response; nil when none arrived.
    public var httpVersion: HTTPVersion?
    /// The headers of the final response in order, names as received (look up case-insensitively).
    public var headers: HTTPHeaders
    /// The body (decoded when `acceptEncoding` was set), at most `maxResponseBytes` bytes.
    public var body: [UInt8]
    /// Whether the body was cut at `maxResponseBytes` (with `BodyLimitBehavior.truncate`).
    public var truncated: Bool
    /// How many redirects were followed.
    public var redirectCount: Int
    /// The URL of the final request (after redirects; shows `TLSOptions.serverName` when set).
    public var effectiveURL: String
    /// The IP address of the last connection ("" when none was made).
    public var primaryIP: String
    /// The remote port of the last connection (0 when none was made).
    public var primaryPort: Int
    /// libcurl's phase times.
    public var timings: CurlTimings
    /// The TLS connection of the final response; nil for plain HTTP or before a TLS handshake.
    public var tls: TLSInfo?

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
