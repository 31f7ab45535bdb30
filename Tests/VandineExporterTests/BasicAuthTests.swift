import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import VandineCore
@testable import VandineExporter

/// Basic auth from the web config applies to every path.
@Suite struct BasicAuthTests {
    /// `admin` / `hunter2`.
    static let web = WebConfig(basicAuthUsers: ["admin": BasicAuthFixtures.hunter2Hash])

    static func header(_ user: String, _ password: String) -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    @Test(arguments: ["/metrics", "/probe?module=tcp_connect&target=127.0.0.1:1", "/-/healthy", "/config", "/", "/sd"])
    func everyPathNeedsCredentials(_ uri: String) async throws {
        let (state, directory, _) = try RouterTests.makeState()
        defer { directory.remove() }
        try await RouterTests.app(state, webConfig: Self.web).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"vandine-exporter\"")
            }
            try await client.execute(uri: uri, method: .get, headers: Self.header("admin", "wrong")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: uri, method: .get, headers: Self.header("nobody", "hunter2")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer abc"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: uri, method: .get, headers: Self.header("admin", "hunter2")) {
                #expect($0.status == .ok)
            }
        }
    }
}
