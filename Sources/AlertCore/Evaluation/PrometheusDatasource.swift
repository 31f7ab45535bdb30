import CurlClient
import VandineCore

/// A Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics) asked for
/// instant queries the way Prometheus's own HTTP API documents them: `POST <url>/api/v1/query`
/// with an `application/x-www-form-urlencoded` body `query=…&time=…[&timeout=…][&extra…]`
/// (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
///
/// Over the process's one ``CurlEngine`` (connections are pooled and reused). Credentials are
/// ``Secret``s handed to curl only; no error text carries them.
///
/// Failures map to ``DatasourceError``: no connection → `unreachable` (curl's one-line reason);
/// no answer within `queryTimeout` → `timeout`; Prometheus's error JSON (any status) →
/// `query(errorType:message:)` with its message, except `errorType` `timeout` → `timeout`; any
/// other non-200 → `httpStatus`; a 200 that is not a query response → `badResponse`.
public struct PrometheusDatasource: Datasource {
    /// Where and how to query.
    public struct Options: Sendable {
        /// The base URL (`http://127.0.0.1:9090`, or with a path prefix: `https://host/prometheus`).
        public var url: String
        /// HTTP basic authentication.
        public var basicAuth: (username: String, password: Secret)?
        /// A bearer token (`Authorization: Bearer …`); ignored when `basicAuth` is set.
        public var bearerToken: Secret?
        /// TLS options for `https://` URLs.
        public var tls: TLSOptions
        /// Seconds a query may take, end to end; also sent as the `timeout` parameter (in ms) so
        /// the server gives up too. Default 30.
        public var queryTimeout: Double
        /// Whether to send the `timeout` parameter (some proxies reject unknown parameters).
        public var sendTimeoutParameter: Bool
        /// Extra parameters added to every query's form (e.g. Thanos `dedup=true`), in order.
        public var extraQueryParameters: [(name: String, value: String)]
        /// The `User-Agent` header.
        public var userAgent: String
        /// The largest response accepted, in bytes (default 64 MiB); a larger one is a `badResponse`.
        public var maxResponseBytes: Int

        public init(url: String, basicAuth: (username: String, password: Secret)? = nil, bearerToken: Secret? = nil,
                    tls: TLSOptions = TLSOptions(), queryTimeout: Double = 30, sendTimeoutParameter: Bool = true,
                    extraQueryParameters: [(name: String, value: String)] = [], userAgent: String = "alertmanager-lite",
                    maxResponseBytes: Int = 64 << 20) {
            self.url = url
            self.basicAuth = basicAuth
            self.bearerToken = bearerToken
            self.tls = tls
            self.queryTimeout = queryTimeout
            self.sendTimeoutParameter = sendTimeoutParameter
            self.extraQueryParameters = extraQueryParameters
            self.userAgent = userAgent
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public let options: Options
    private let engine: CurlEngine
    private let endpoint: String

    /// A datasource querying `options.url` through `engine` (the process's shared one by default).
    public init(options: Options, engine: CurlEngine = .shared) {
        self.options = options
        self.engine = engine
        var base = options.url
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base + "/api/v1/query"
    }

    /// Evaluates `expression` at `time` (Unix seconds, sent with millisecond precision).
    public func query(_ expression: String, at time: Double) async throws(DatasourceError) -> [Sample] {
        var request = HTTPRequest(url: endpoint, method: "POST", headers: [
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        ], body: Array(formBody(expression, time).utf8), timeout: .milliseconds(Int64((options.queryTimeout * 1000).rounded())))
        request.tls = options.tls
        request.userAgent = options.userAgent
        request.acceptEncoding = "gzip"
        request.maxResponseBytes = options.maxResponseBytes
        request.bodyLimitBehavior = .fail
        request.followRedirects = false
        if let auth = options.basicAuth {
            request.basicAuth = BasicAuth(username: auth.username, password: auth.password.reveal())
        } else if let token = options.bearerToken {
            request.bearerToken = token.reveal()
        }

        let response: HTTPResponse
        do throws(CurlError) {
            response = try await engine.execute(request)
        } catch {
            switch error.kind {
            case .timedOut: throw .timeout(options.queryTimeout)
            case .bodyTooLarge: throw .badResponse(error.description)
            default: throw .unreachable(error.description)
            }
        }
        if response.statusCode != 200 {
            if let (errorType, message) = PrometheusQueryResponse.error(from: response.body) {
                if errorType == "timeout" { throw .timeout(options.queryTimeout) }
                throw .query(errorType: errorType, message: message)
            }
            throw .httpStatus(response.statusCode, PrometheusQueryResponse.excerpt(response.body))
        }
        return try PrometheusQueryResponse.samples(from: response.body)
    }

    /// The POST body sent for `expression` at `time`: `query=…&time=…[&timeout=…ms]&extra…`,
    /// every name and value percent-encoded (letters and digits kept).
    public func formBody(_ expression: String, _ time: Double) -> String {
        var parameters = [("query", expression), ("time", Self.formatTime(time))]
        if options.sendTimeoutParameter && options.queryTimeout > 0 {
            parameters.append(("timeout", "\(Int64((options.queryTimeout * 1000).rounded()))ms"))
        }
        parameters += options.extraQueryParameters.map { ($0.name, $0.value) }
        return parameters.map { "\($0.0.percentEncoded)=\($0.1.percentEncoded)" }.joined(separator: "&")
    }

    /// Unix seconds with exactly three decimals (`1700000000.123`), as Prometheus's API accepts.
    static func formatTime(_ time: Double) -> String {
        let milliseconds = Int64((time * 1000).rounded())
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
