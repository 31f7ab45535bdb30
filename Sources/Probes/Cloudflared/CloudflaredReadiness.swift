import FoundationEssentials

/// What a connector's `/ready` says: cloudflared answers `200 {"status":200,"readyConnections":4,
/// "connectorId":"…"}` while it holds at least one connection to the edge, and `503` with
/// `readyConnections` 0 when it holds none.
struct CloudflaredReadiness: Sendable, Equatable {
    /// The HTTP status of `/ready` (200 ready, 503 not).
    var statusCode: Int
    /// `readyConnections` from the body; nil when the body is not cloudflared's JSON.
    var readyConnections: Int?
    /// `connectorId` from the body, for the log.
    var connectorID: String?

    /// Whether the connector says it is ready: HTTP 200 and at least one ready connection.
    var isReady: Bool { statusCode == 200 && (readyConnections ?? 0) >= 1 }

    private struct Body: Decodable {
        var status: Int?
        var readyConnections: Int?
        var connectorId: String?
    }

    /// Reads a `/ready` response; the body fields are nil when it is not a JSON object with an
    /// integer `readyConnections` (a status code alone still tells ready from not).
    init(statusCode: Int, body: [UInt8]) {
        self.statusCode = statusCode
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body)),
              let connections = decoded.readyConnections, connections >= 0 else { return }
        readyConnections = connections
        connectorID = decoded.connectorId
    }

    init(statusCode: Int, readyConnections: Int?, connectorID: String? = nil) {
        self.statusCode = statusCode
        self.readyConnections = readyConnections
        self.connectorID = connectorID
    }
}
