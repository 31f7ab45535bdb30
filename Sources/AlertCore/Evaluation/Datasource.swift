/// One sample of an instant-query result: its label set (with `__name__` when the series has
/// one) and its value.
public struct Sample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// Why a query gave no result. Every case means "we do not know": the evaluator changes no alert
/// state on any of them.
public enum DatasourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection (refused, DNS, TLS handshake): curl's message.
    case unreachable(String)
    /// The query did not finish within the query timeout (seconds).
    case timeout(Double)
    /// An HTTP status other than 200 without a Prometheus error body.
    case httpStatus(Int, String)
    /// Prometheus's `{"status":"error","errorType":…,"error":…}` (a bad expression, an execution error).
    case query(errorType: String, message: String)
    /// A 200 whose body is not a Prometheus query response.
    case badResponse(String)

    public var description: String {
        switch self {
        case let .unreachable(message): "datasource unreachable: \(message)"
        case let .timeout(seconds): "query timed out after \(seconds)s"
        case let .httpStatus(status, message): "datasource answered HTTP \(status): \(message)"
        case let .query(errorType, message): "\(errorType): \(message)"
        case let .badResponse(message): "unexpected datasource response: \(message)"
        }
    }

    /// Whether the datasource itself is down (as opposed to one query being wrong): these count
    /// towards the `AlertmanagerLiteDatasourceDown` meta-alert.
    public var isDatasourceFailure: Bool {
        switch self {
        case .unreachable, .timeout, .httpStatus, .badResponse: true
        case .query: false
        }
    }
}

/// A Prometheus-compatible instant-query API (`/api/v1/query`). The real one is
/// ``PrometheusDatasource``; tests may use fakes.
public protocol Datasource: Sendable {
    /// Evaluates `expression` at `time` (Unix seconds). A scalar result comes back as one sample
    /// with no labels; a string (or range-vector) result is
    /// ``DatasourceError/query(errorType:message:)`` `bad_data` "rule result is not a vector or
    /// scalar" (Prometheus's rule manager's message): the expression is wrong, the datasource is
    /// up, so it does not count towards `AlertmanagerLiteDatasourceDown`.
    func query(_ expression: String, at time: Double) async throws(DatasourceError) -> [Sample]
}
