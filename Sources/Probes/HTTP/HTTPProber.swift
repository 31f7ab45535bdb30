import CurlClient
import VandineCore

/// blackbox_exporter's `http` prober over the project's one HTTP client (libcurl's multi engine).
///
/// The target's host is resolved by the shared ``TargetResolver`` (DNS time, IP protocol and
/// address hash recorded once) and pinned, so curl connects to exactly that address while the
/// `Host` header and TLS name stay what the URL says. Every request opens a fresh connection (a
/// probe measures connect and TLS each time), is bounded by the probe's deadline and its body by
/// `body_size_limit`. The checks run in blackbox's order: status code, body regexes, header
/// regexes, `fail_if_ssl` / `fail_if_not_ssl`, `valid_http_versions`.
public struct HTTPProber: Prober {
    let engine: CurlEngine

    /// The engine must be running (it is a Service in the exporter's ServiceGroup).
    public init(engine: CurlEngine) {
        self.engine = engine
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .http(options) = context.module.options, let url = context.target.url else {
            context.log.fail("the http prober needs a URL target")
            return false
        }
        HTTPMetrics.recordDefaults(context: context)
        var pins: [ResolvePin] = []
        if options.proxyURL == nil || !options.skipResolvePhaseWithProxy {
            guard let resolved = await TargetResolver.resolve(context.target.endpoint, defaultPort: url.port,
                                                               preference: options.ipProtocol, context: context) else {
                return false
            }
            if url.authority.address != resolved.ip || context.target.device != nil {
                pins.append(ResolvePin(host: url.authority.host, port: url.port, address: resolved.ip.description))
            }
        }
        let request = Self.request(for: url, options: options, pins: pins, context: context)
        context.log.log("\(request.method) \(request.url)")
        let response: HTTPResponse
        do {
            response = try await engine.execute(request)
        } catch {
            if let partial = error.partialResponse { HTTPMetrics.record(partial, options: options, context: context) }
            context.log.fail("HTTP request failed: \(error.description)")
            return false
        }
        HTTPMetrics.record(response, options: options, context: context)
        context.log.log("received HTTP/\(response.httpVersion.map { String($0.number) } ?? "?") \(response.statusCode) "
            + "after \(response.redirectCount) redirect(s), \(response.body.count) body bytes")
        return HTTPChecks.verify(response, options: options, context: context)
    }

    static func request(for url: TargetURL, options: HTTPOptions, pins: [ResolvePin], context: ProbeContext) -> HTTPRequest {
        var request = HTTPRequest(url: url.description, method: options.method,
                                  headers: HTTPHeaders(options.headers.map { ($0.name, $0.value) }),
                                  body: options.body.map { Array($0.utf8) }, timeout: context.remaining)
        request.deadline = context.deadline
        request.maxResponseBytes = options.bodySizeLimit
        request.bodyLimitBehavior = .fail
        request.followRedirects = options.followRedirects
        request.maxRedirects = 10  // Go's http.Client default, which blackbox keeps
        request.acceptEncoding = options.compression
        request.proxyURL = options.proxyURL
        request.httpVersion = options.enableHTTP2 ? nil : .http1_1
        request.resolve = pins
        request.reuseConnection = false
        request.userAgent = "vandine-exporter/\(BuildInfo.version)"
        let tls = options.tlsConfig
        // As blackbox: without server_name, a configured Host header names the TLS server too.
        let hostHeader = options.headers.last { $0.name.lowercased() == "host" }?.value
        let serverName = tls.serverName ?? hostHeader.map(Self.hostWithoutPort)
        request.tls = TLSOptions(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, serverName: serverName,
                                 insecureSkipVerify: tls.insecureSkipVerify, minVersion: tls.minVersion.map(Self.version),
                                 maxVersion: tls.maxVersion.map(Self.version))
        if let auth = options.basicAuth {
            request.basicAuth = BasicAuth(username: auth.username, password: auth.password?.reveal() ?? "")
        }
        request.bearerToken = options.bearerToken?.reveal()
        return request
    }

    /// `example.com:8443` → `example.com`; `[::1]:443` → `::1`.
    static func hostWithoutPort(_ host: String) -> String {
        if case let .success(parsed) = HostPort.parse(host) { return parsed.host }
        return host
    }

    static func version(_ version: TLSProtocolVersion) -> CurlClient.TLSVersion {
        switch version {
        case .tls10: .tls1_0
        case .tls11: .tls1_1
        case .tls12: .tls1_2
        case .tls13: .tls1_3
        }
    }
}
