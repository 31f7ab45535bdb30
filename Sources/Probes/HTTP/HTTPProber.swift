import CurlClient
import VandineCore

/// blackbox_exporter's `http` prober over the project's one HTTP client (libcurl's multi engine).
///
/// The target's host is resolved by the shared ``TargetResolver`` (DNS time, IP protocol and
/// address hash recorded once) and pinned, so curl connects to exactly that address while the
/// `Host` header and TLS name stay what the URL says. Every request opens a fresh connection (a
/// probe measures connect and TLS each time), is bounded by the probe's deadline and its body by
/// `body_size_limit`.
///
/// Redirects are followed here, hop by hop, as Go's client does (at most 10; 301/302/303 become
/// GET), and each hop must pass the same target policy as a `/probe` request, so a redirect cannot
/// take a probe outside the devices and `allowed_targets`. The checks run in blackbox's order:
/// status code, body regexes, header regexes, `fail_if_ssl` / `fail_if_not_ssl`,
/// `valid_http_versions`.
public struct HTTPProber: Prober {
    let engine: CurlEngine

    /// `engine` starts its thread with the first request; the daemon runs it as a Service so that it
    /// stops after the HTTP server on shutdown.
    public init(engine: CurlEngine) {
        self.engine = engine
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .http(options) = context.module.options, var url = context.target.url else {
            context.log.fail("the http prober needs a URL target")
            return false
        }
        HTTPMetrics.recordDefaults(context: context)
        var target = context.target
        var method = options.method
        var body = options.body
        var phases = HTTPPhases()
        var redirects = 0
        let firstHost = url.authority.host.lowercased()
        while true {
            var pins: [ResolvePin] = []
            if options.proxyURL == nil || !options.skipResolvePhaseWithProxy {
                let resolveStart = ContinuousClock.now
                let resolved = await TargetResolver.resolve(target.endpoint, defaultPort: url.port,
                                                            preference: options.ipProtocol, context: context)
                phases.resolve += (ContinuousClock.now - resolveStart).inSeconds
                guard let resolved else {
                    HTTPMetrics.recordPhases(phases, context: context)
                    return false
                }
                if url.authority.address != resolved.ip || target.device != nil {
                    pins.append(ResolvePin(host: url.authority.host, port: url.port, address: resolved.ip.description))
                }
            }
            // Credentials go to the first host only, as Go's client (and so blackbox) does.
            let sameHost = url.authority.host.lowercased() == firstHost
            let request = Self.request(for: url, method: method, body: body, options: options, pins: pins,
                                       toFirstHost: sameHost, context: context)
            context.log.log("\(request.method) \(request.url)")
            let response: HTTPResponse
            do {
                response = try await engine.execute(request)
            } catch {
                if let partial = error.partialResponse {
                    phases.add(partial.timings)
                    HTTPMetrics.record(partial, phases: phases, redirects: redirects, context: context)
                }
                context.log.fail("HTTP request failed: \(error.description)")
                return false
            }
            phases.add(response.timings)
            context.log.log("received HTTP/\(response.httpVersion.map { String($0.number) } ?? "?") \(response.statusCode), "
                + "\(response.body.count) body bytes")
            guard options.followRedirects, Self.redirectCodes.contains(response.statusCode),
                  let location = response.headers["Location"] else {
                HTTPMetrics.record(response, phases: phases, redirects: redirects, context: context)
                return HTTPChecks.verify(response, options: options, context: context)
            }
            redirects += 1
            guard redirects <= Self.maxRedirects else {
                HTTPMetrics.record(response, phases: phases, redirects: redirects - 1, context: context)
                context.log.fail("HTTP request failed: too many redirects (\(Self.maxRedirects))")
                return false
            }
            guard let next = URLReference.resolve(location, against: url.description) else {
                HTTPMetrics.record(response, phases: phases, redirects: redirects, context: context)
                context.log.fail("redirect to \(HostPort.printable(location).debugDescription) is not a valid URL")
                return false
            }
            // A redirect may go only where a /probe request could: a device or allowed_targets.
            switch context.policy.authorize(next, form: .url) {
            case let .success(allowed):
                target = allowed
                url = allowed.url!
            case let .failure(.malformed(reason)), let .failure(.forbidden(reason)):
                HTTPMetrics.record(response, phases: phases, redirects: redirects, context: context)
                context.log.fail("redirect refused: \(reason)")
                return false
            }
            // Go's rules: 301, 302 and 303 turn into GET without a body (except HEAD); 307 and 308 keep both.
            if [301, 302, 303].contains(response.statusCode), method != "HEAD" {
                method = "GET"
                body = nil
            }
            context.log.log("following redirect \(redirects) to \(url)")
        }
    }

    /// The status codes Go's client follows.
    static let redirectCodes: Set<Int> = [301, 302, 303, 307, 308]
    /// Go's `http.Client` default, which blackbox keeps.
    static let maxRedirects = 10

    /// One hop's request. Redirects are followed here, not by curl, so that each hop's target is
    /// checked against the config's policy and resolved by the shared resolver.
    static func request(for url: TargetURL, method: String, body: String?, options: HTTPOptions, pins: [ResolvePin],
                        toFirstHost: Bool, context: ProbeContext) -> HTTPRequest {
        // On a hop to another host: no credentials, and no configured Host (it named the first host).
        let firstHostOnly: Set<String> = ["authorization", "cookie", "proxy-authorization", "host"]
        let headers = options.headers.filter { toFirstHost || !firstHostOnly.contains($0.name.lowercased()) }
        var request = HTTPRequest(url: url.description, method: method,
                                  headers: HTTPHeaders(headers.map { ($0.name, $0.value) }),
                                  body: body.map { Array($0.utf8) }, timeout: context.remaining)
        request.deadline = context.deadline
        request.maxResponseBytes = options.bodySizeLimit
        request.bodyLimitBehavior = .fail
        request.followRedirects = false
        request.acceptEncoding = options.compression
        request.proxyURL = options.proxyURL
        request.httpVersion = options.enableHTTP2 ? nil : .http1_1
        request.resolve = pins
        request.reuseConnection = false
        request.userAgent = "vandine-exporter/\(BuildInfo.version)"
        let tls = options.tlsConfig
        // As blackbox: without server_name, a configured Host header names the TLS server too.
        let hostHeader = toFirstHost ? options.headers.last { $0.name.lowercased() == "host" }?.value : nil
        let serverName = tls.serverName ?? hostHeader.map(Self.hostWithoutPort)
        request.tls = TLSOptions(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, serverName: serverName,
                                 insecureSkipVerify: tls.insecureSkipVerify, minVersion: tls.minVersion.map(Self.version),
                                 maxVersion: tls.maxVersion.map(Self.version))
        if toFirstHost, let auth = options.basicAuth {
            request.basicAuth = BasicAuth(username: auth.username, password: auth.password?.reveal() ?? "")
        }
        if toFirstHost { request.bearerToken = options.bearerToken?.reveal() }
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
