import VandineCore

/// A `/probe` request, stripped of HTTP: the handler never sees a server type.
public struct ProbeRequest: Sendable, Equatable {
    public var target: String?
    public var module: String?
    /// `debug=true`: answer with the probe's log, metrics and module config instead of metrics.
    public var debug: Bool
    /// Prometheus' `X-Prometheus-Scrape-Timeout-Seconds` header, when sent.
    public var scrapeTimeoutSeconds: Double?

    public init(target: String?, module: String?, debug: Bool = false, scrapeTimeoutSeconds: Double? = nil) {
        self.target = target
        self.module = module
        self.debug = debug
        self.scrapeTimeoutSeconds = scrapeTimeoutSeconds
    }
}

/// What the handler answers to a `/probe` request; the HTTP layer maps each case to a status code
/// and sends ``body`` with ``contentType``.
public enum ProbeResponse: Sendable, Equatable {
    /// 200 with the exposition text (also when the probe failed: `probe_success 0`).
    case metrics(String)
    /// 200 with the human-readable debug text.
    case debug(String)
    /// 400: unknown module, missing or malformed target.
    case badRequest(String)
    /// 403: the target is neither configured nor allowed.
    case forbidden(String)

    public var statusCode: Int {
        switch self {
        case .metrics, .debug: 200
        case .badRequest: 400
        case .forbidden: 403
        }
    }

    public var body: String {
        switch self {
        case let .metrics(text), let .debug(text): text
        case let .badRequest(reason), let .forbidden(reason): reason + "\n"
        }
    }

    /// The exposition format's content type for metrics, plain text otherwise.
    public var contentType: String {
        if case .metrics = self { return ExpositionEncoder.contentType }
        return "text/plain; charset=utf-8"
    }
}
