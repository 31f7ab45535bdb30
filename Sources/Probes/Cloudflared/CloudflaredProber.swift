import CurlClient
import VandineCore

/// Scrapes a Cloudflare Tunnel connector's metrics server: `/metrics` (passed through unchanged,
/// filtered by `allow_metrics` / `deny_metrics`) and `/ready`, through the project's one HTTP
/// client, within the probe's deadline and the module's `body_size_limit`; adds
/// `vandine_tunnel_up`, `vandine_tunnel_ready_connections` and `vandine_tunnel_edge_locations`.
///
/// Where: with `address: auto` the target's host, on the target's port or else on ports
/// 20241 … 20245 in turn (a refused connection moves on; the first port that answers HTTP is the
/// connector's); with an explicit `address`, that address. The host is resolved by the shared
/// ``TargetResolver`` (ip4 first by default: cloudflared's `localhost` listener is IPv4).
///
/// `probe_success` is 1 when `/metrics` is a valid exposition and the tunnel is up (`/ready`
/// answers 200 and at least one HA connection). A connector that is down, slow (past the
/// deadline), sends garbage, a truncated or oversized body, or answers `/ready` with 503 gives
/// `probe_success 0` and the reason in the log; whatever was measured is still reported
/// (`vandine_tunnel_up 0`, the passthrough of a connector that is running but not connected).
public struct CloudflaredProber: Prober {
    let engine: CurlEngine

    /// `engine` is the process's one curl engine (run as a Service by the daemon's wiring).
    public init(engine: CurlEngine) {
        self.engine = engine
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .cloudflared(options) = context.module.options else {
            context.log.fail("module \(context.module.name) is not a cloudflared module")
            return false
        }
        let endpoint: HostPort
        let ports: [Int]
        switch options.address {
        case .auto:
            endpoint = context.target.endpoint
            ports = endpoint.port.map { [$0] } ?? CloudflaredOptions.autoPorts
        case let .explicit(address):
            endpoint = address
            ports = [address.port ?? CloudflaredOptions.autoPorts[0]]
        }
        guard let resolved = await TargetResolver.resolve(endpoint, defaultPort: ports[0], preference: options.ipProtocol,
                                                          context: context) else {
            CloudflaredTunnelSummary.recordUp(false, context: context)
            return false
        }
        let fetcher = CloudflaredFetcher(engine: engine, bodySizeLimit: options.bodySizeLimit)

        // /metrics, on the first port that does not refuse the connection. While scanning, a port
        // whose /metrics is not a 200 is some other program (cloudflared takes the next port when
        // 20241 is busy): the scan goes on, and that answer is reported only if nothing better is
        // found.
        var found: (base: String, response: Result<HTTPResponse, CurlError>)?
        var notCloudflared: (base: String, response: Result<HTTPResponse, CurlError>)?
        var refused: [Int] = []
        for (index, port) in ports.enumerated() {
            let base = CloudflaredFetcher.baseURL(ip: resolved.ip, zone: endpoint.zone, port: port)
            context.log.log("GET \(base)/metrics")
            do {
                let response = try await fetcher.get(base + "/metrics", context: context)
                if response.statusCode != 200, index < ports.count - 1 {
                    context.log.log("\(base): /metrics answered HTTP \(response.statusCode), not a cloudflared metrics server; trying the next port")
                    notCloudflared = notCloudflared ?? (base, .success(response))
                    continue
                }
                found = (base, .success(response))
                break
            } catch where error.kind == .connectionRefused {
                refused.append(port)
                context.log.log("\(base): connection refused")
            } catch {
                found = (base, .failure(error))
                break
            }
        }
        if found == nil || ((try? found?.response.get())?.statusCode ?? 200) != 200 {
            found = notCloudflared ?? found
        }
        guard let (base, metricsResult) = found else {
            CloudflaredTunnelSummary.recordUp(false, context: context)
            context.log.fail(Self.refusedReason(host: resolved.ip.description, ports: refused))
            return false
        }

        var failure: String?
        var summary: CloudflaredTunnelSummary?
        switch metricsResult {
        case let .failure(error):
            failure = "GET \(base)/metrics failed: \(error.description)"
        case let .success(metricsResponse) where metricsResponse.statusCode != 200:
            failure = "GET \(base)/metrics answered HTTP \(metricsResponse.statusCode), not 200"
        case let .success(metricsResponse):
            context.log.log("received HTTP \(metricsResponse.statusCode), \(metricsResponse.body.count) body bytes")
            switch CloudflaredPassthrough.read(metricsResponse.body, options: options) {
            case let .success(passthrough):
                for family in passthrough.passed { context.metrics.add(family) }
                context.log.log("passed through \(passthrough.passed.count) of \(passthrough.parsed.count) metric families"
                    + (passthrough.filtered > 0 ? " (\(passthrough.filtered) left out by allow_metrics / deny_metrics)" : ""))
                if !passthrough.reserved.isEmpty {
                    context.log.log("dropped families whose names belong to the probe: \(passthrough.reserved.joined(separator: ", "))")
                }
                let tunnel = CloudflaredTunnelSummary(families: passthrough.parsed)
                tunnel.recordEdgeLocations(context: context)
                summary = tunnel
            case let .failure(error):
                failure = "GET \(base)/metrics: \(error.description)"
            }
        }
        if let failure { context.log.log(failure) }

        // /ready, on the same port, also when /metrics could not be read: it still tells whether
        // the tunnel is up.
        let (readiness, readyProblem) = await Self.readiness(at: base, fetcher: fetcher, context: context)
        if failure == nil { failure = readyProblem }

        let up = CloudflaredTunnelSummary.isUp(summary: summary, readiness: readiness)
        CloudflaredTunnelSummary.recordUp(up, context: context)
        if failure == nil, !up {
            failure = "the tunnel is not up: cloudflared_tunnel_ha_connections is \(summary?.haConnections.map(ExpositionEncoder.formatValue) ?? "missing")"
        }
        if let failure {
            context.log.fail(failure)
            return false
        }
        return true
    }

    /// GETs `/ready` (unless the deadline has passed) and records `vandine_tunnel_ready_connections`;
    /// returns what it says and why it is not ready, if it is not.
    static func readiness(at base: String, fetcher: CloudflaredFetcher,
                          context: ProbeContext) async -> (CloudflaredReadiness?, String?) {
        guard !context.isExpired else {
            context.log.log("no time left for GET \(base)/ready")
            return (nil, "GET \(base)/ready: the deadline passed before it could be sent")
        }
        context.log.log("GET \(base)/ready")
        let response: HTTPResponse
        do {
            response = try await fetcher.get(base + "/ready", context: context)
        } catch {
            return (nil, "GET \(base)/ready failed: \(error.description)")
        }
        let ready = CloudflaredReadiness(statusCode: response.statusCode, body: response.body)
        if let connections = ready.readyConnections {
            CloudflaredTunnelSummary.recordReadyConnections(connections, context: context)
        }
        context.log.log("/ready answered HTTP \(ready.statusCode), readyConnections \(ready.readyConnections.map(String.init) ?? "unknown")"
            + (ready.connectorID.map { ", connector \($0)" } ?? ""))
        return (ready, readinessProblem(ready, base: base))
    }

    /// Why `/ready` says the connector is not serving, or nil when it is.
    static func readinessProblem(_ ready: CloudflaredReadiness, base: String) -> String? {
        switch ready.statusCode {
        case 200 where ready.readyConnections == nil:
            return "GET \(base)/ready answered 200 without cloudflared's JSON (an integer readyConnections)"
        case 200 where ready.readyConnections == 0:
            return "cloudflared is not ready: /ready reports readyConnections 0"
        case 200:
            return nil
        case 503:
            return "cloudflared is not ready: /ready answered HTTP 503 (readyConnections \(ready.readyConnections.map(String.init) ?? "unknown")): no connection to the Cloudflare edge"
        default:
            return "GET \(base)/ready answered HTTP \(ready.statusCode), not 200 or 503"
        }
    }

    /// "no cloudflared metrics server on 127.0.0.1: connection refused on ports 20241 … 20245".
    static func refusedReason(host: String, ports: [Int]) -> String {
        let list = ports.count == 1 ? "port \(ports[0])" : "ports \(ports.map(String.init).joined(separator: ", "))"
        return "no cloudflared metrics server on \(host): connection refused on \(list) (is cloudflared running with its metrics server there?)"
    }
}
