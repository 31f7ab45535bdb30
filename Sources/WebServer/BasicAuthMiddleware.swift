import HTTPTypes
import Hummingbird
import NIOPosix
import VandineCore

/// Rejects every request without valid basic-auth credentials with 401, on every path (as
/// exporter-toolkit does). bcrypt is slow on purpose, so verification runs on NIO's thread pool,
/// never on Swift's cooperative threads.
public struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let verifier: BasicAuthVerifier
    /// The realm in the `WWW-Authenticate` challenge (the daemon's name).
    let realm: String

    public init(verifier: BasicAuthVerifier, realm: String) {
        self.verifier = verifier
        self.realm = realm
    }

    public func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization]
        let verifier = self.verifier
        let accepted = (try? await NIOThreadPool.singleton.runIfActive { verifier.verify(authorizationHeader: header) }) ?? false
        guard accepted else {
            return Response(status: .unauthorized,
                            headers: [.wwwAuthenticate: "Basic realm=\"\(realm)\"", .contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        return try await next(request, context)
    }
}

/// Adds the web config's `http_server_config.headers` to every response.
public struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let headers: [String: String]

    public init(headers: [String: String]) {
        self.headers = headers
    }

    public func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
