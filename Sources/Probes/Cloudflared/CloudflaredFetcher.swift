import CurlClient
import VandineCore

/// One GET to a connector's metrics server through the project's one HTTP client, bounded by the
/// probe's deadline and the module's `body_size_limit` (a larger body fails, it is not cut).
struct CloudflaredFetcher: Sendable {
    let engine: CurlEngine
    let bodySizeLimit: Int

    /// `http://IP:port` for a resolved address (IPv6 in brackets, a zone as `%25zone`).
    static func baseURL(ip: IPAddress, zone: String?, port: Int) -> String {
        guard !ip.isIPv4 else { return "http://\(ip):\(port)" }
        let zoneSuffix = zone.map { "%25\($0)" } ?? ""
        return "http://[\(ip)\(zoneSuffix)]:\(port)"
    }

    /// GETs `url`; throws curl's one-line reason (refused, timed out, body too large, …).
    func get(_ url: String, context: ProbeContext) async throws(CurlError) -> HTTPResponse {
        var request = HTTPRequest(url: url, timeout: context.remaining)
        request.deadline = context.deadline
        request.maxResponseBytes = bodySizeLimit
        request.bodyLimitBehavior = .fail
        request.followRedirects = false
        request.httpVersion = .http1_1
        // cloudflared's promhttp handler would answer OpenMetrics if asked; we read the 0.0.4 text.
        request.headers = HTTPHeaders([("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")])
        request.userAgent = "vandine-exporter/\(BuildInfo.version)"
        return try await engine.execute(request)
    }
}
