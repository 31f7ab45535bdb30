import Foundation
import Testing
import TestSupport
import CCurl
@testable import CurlClient

/// One engine for the suite (one thread); the suite runs serialized so the thread count test sees
/// only its own work.
let engine = CurlEngine()

@Suite(.serialized) struct CurlClientTests {
    // MARK: plain HTTP

    @Test func fixedResponseStatusHeadersBodyAndTimings() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/fixed"))
        request.reuseConnection = false
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
        #expect(response.bodyText == "hello")
        #expect(response.httpVersion == .http1_1)
        #expect(response.headers["x-test"] == "one")
        #expect(response.headers["X-TEST"] == "one")
        #expect(response.headers.values(for: "x-multi") == ["a", "b"])
        let names = response.headers.fields.map(\.name)
        #expect(names.contains("X-Test"))  // as received
        #expect(names.firstIndex(of: "X-Test")! < names.firstIndex(of: "X-Multi")!)  // in order
        #expect(response.primaryIP == "127.0.0.1")
        #expect(response.primaryPort == server.port)
        #expect(response.redirectCount == 0)
        #expect(response.tls == nil)
        let t = response.timings
        #expect(t.connect > 0)
        #expect(t.nameLookup <= t.connect)
        #expect(t.connect <= t.preTransfer)
        #expect(t.preTransfer <= t.startTransfer)
        #expect(t.startTransfer > 0)
        #expect(t.startTransfer <= t.total)
        #expect(t.appConnect == 0)
        let phases = t.phases
        #expect(phases.tls == 0)
        #expect(phases.processing > 0)
        #expect(abs(phases.resolve + phases.connect + phases.processing + phases.transfer - t.total) < 1e-9)
    }

    @Test func errorStatusIsAResponse() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let response = try await engine.execute(HTTPRequest(url: server.url("/status/503")))
        #expect(response.statusCode == 503)
        #expect(response.bodyText == "status 503")
    }

    @Test func redirectsFollowedAndNot() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let followed = try await engine.execute(HTTPRequest(url: server.url("/redirect/3")))
        #expect(followed.statusCode == 200)
        #expect(followed.bodyText == "done")
        #expect(followed.redirectCount == 3)
        #expect(followed.effectiveURL == server.url("/redirect/0"))
        #expect(followed.timings.redirect > 0)

        var request = HTTPRequest(url: server.url("/redirect/3"))
        request.followRedirects = false
        let notFollowed = try await engine.execute(request)
        #expect(notFollowed.statusCode == 302)
        #expect(notFollowed.redirectCount == 0)
        #expect(notFollowed.headers["location"] == "/redirect/2")
    }

    @Test func redirectLoopFailsWithTooManyRedirects() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/loop"))
        request.maxRedirects = 5
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(error.kind == .tooManyRedirects)
        #expect(error.description == "too many redirects (5)")
        #expect(error.partialResponse?.statusCode == 302)
    }

    @Test func stallMidBodyFailsAtTheDeadlineWithTheStatusReceived() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let request = HTTPRequest(url: server.url("/stall"), timeout: .seconds(1))
        let start = ContinuousClock.now
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        let elapsed = ContinuousClock.now - start
        #expect(error.kind == .timedOut)
        #expect(error.description == "timed out after 1.0s")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed <= .milliseconds(2500), "cut at the 1 s deadline (the stall never ends); slack for a loaded CI machine")
        #expect(error.partialResponse?.statusCode == 200)
        #expect(error.partialResponse?.body.count == 10)
        #expect(error.partialResponse?.headers["content-length"] == "100")
    }

    @Test func deadlineAlreadyPassedFailsWithoutSending() async throws {
        var request = HTTPRequest(url: "http://127.0.0.1:9/never")
        request.deadline = .now - .seconds(1)
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(error.kind == .timedOut)
        #expect(error.partialResponse?.statusCode == 0)
    }

    @Test func bodyCapTruncatesOrFails() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/big/100000"))
        request.maxResponseBytes = 1000
        let truncated = try await engine.execute(request)
        #expect(truncated.statusCode == 200)
        #expect(truncated.truncated)
        #expect(truncated.body.count == 1000)

        request.url = server.url("/big/1000")
        let exact = try await engine.execute(request)
        #expect(!exact.truncated)
        #expect(exact.body.count == 1000)

        request.url = server.url("/big/1001")
        request.bodyLimitBehavior = .fail
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(error.kind == .bodyTooLarge)
        #expect(error.description == "response body larger than 1000 bytes")
    }

    @Test func gzipDecodedOnlyWhenAsked() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/gzip"))
        let raw = try await engine.execute(request)
        #expect(raw.body.starts(with: [0x1f, 0x8b]))
        request.acceptEncoding = "gzip"
        let decoded = try await engine.execute(request)
        #expect(decoded.bodyText == String(repeating: "compressed hello", count: 100))
        #expect(decoded.headers["content-encoding"] == "gzip")
        request.acceptEncoding = ""
        let any = try await engine.execute(request)
        #expect(any.bodyText == String(repeating: "compressed hello", count: 100))
    }

    @Test func methodHeadersAndBodyArrive() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/echo"), method: "PUT",
                                  headers: ["X-Custom": "value 1", "X-Custom": "value 2", "User-Agent": "probe/1"],
                                  body: Array("payload".utf8))
        var echo = try await echoed(request)
        #expect(echo.method == "PUT")
        #expect(echo.body == "payload")
        #expect(echo.values("x-custom") == ["value 1", "value 2"])
        #expect(echo.values("user-agent") == ["probe/1"])
        #expect(echo.values("expect").isEmpty)

        request = HTTPRequest(url: server.url("/echo"), method: "POST", body: Array("a=1".utf8))
        echo = try await echoed(request)
        #expect(echo.method == "POST")
        #expect(echo.body == "a=1")
        #expect(echo.values("content-length") == ["3"])

        let head = try await engine.execute(HTTPRequest(url: server.url("/fixed"), method: "HEAD"))
        #expect(head.statusCode == 200)
        #expect(head.body.isEmpty)
    }

    @Test func basicAndBearerAuthArrive() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/echo"))
        request.basicAuth = BasicAuth(username: "alice", password: "s3cret:x")
        var echo = try await echoed(request)
        #expect(echo.values("authorization") == ["Basic " + Data("alice:s3cret:x".utf8).base64EncodedString()])

        request.basicAuth = nil
        request.bearerToken = "token-123"
        echo = try await echoed(request)
        #expect(echo.values("authorization") == ["Bearer token-123"])
    }

    @Test func resolvePinConnectsToTheGivenAddress() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: "http://example.invalid:\(server.port)/echo")
        request.resolve = [ResolvePin(host: "example.invalid", port: server.port, address: "127.0.0.1")]
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
        #expect(response.primaryIP == "127.0.0.1")
        let echo = try Echo(response)
        #expect(echo.values("host") == ["example.invalid:\(server.port)"])
    }

    @Test func httpVersionAndProxy() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/echo"))
        request.httpVersion = .http1_0
        var response = try await engine.execute(request)
        #expect(try Echo(response).version == "HTTP/1.0")
        #expect(response.httpVersion == .http1_1)  // python answers 1.1

        // Through an HTTP proxy (the test server itself), curl sends the absolute URL to the proxy
        // and does not resolve the target's name.
        request = HTTPRequest(url: "http://example.invalid/echo")
        request.proxyURL = "http://127.0.0.1:\(server.port)"
        response = try await engine.execute(request)
        #expect(try Echo(response).path == "http://example.invalid/echo")
        #expect(response.primaryIP == "127.0.0.1")
    }

    @Test func engineDeadlineBackstopWhenCurlHasNoTimeout() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let transfer = try CurlTransfer()
        try transfer.set(CURLOPT_URL, server.url("/stall"))
        transfer.setsCurlTimeout = false
        let start = ContinuousClock.now
        let outcome = await engine.perform(transfer, deadline: start + .seconds(1))
        let elapsed = ContinuousClock.now - start
        #expect(outcome == .deadlineExceeded)
        #expect(elapsed >= .seconds(1))
        #expect(elapsed < .milliseconds(2500), "removed at the 1 s deadline (the stall never ends)")
        #expect(transfer.info(long: CURLINFO_RESPONSE_CODE) == 200)
    }

    @Test func connectionRefused() async throws {
        let closed = try ClosedTCPPort()
        let port = closed.port
        let error = try await #require(throws: CurlError.self) {
            try await engine.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error.kind == .connectionRefused)
        #expect(error.description == "connection refused")
    }

    @Test func invalidURLIsRejected() async throws {
        let error = try await #require(throws: CurlError.self) {
            try await engine.execute(HTTPRequest(url: "ftp://127.0.0.1/file"))
        }
        #expect(error.kind == .invalidRequest)
    }

    // MARK: TLS

    @Test func tlsWithCAFileReportsVersionCipherAndChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certs = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey)
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/fixed", scheme: "https"))
        request.tls.caFile = certs.certificate
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
        let tls = try #require(response.tls)
        #expect(tls.version == "TLS 1.3")
        #expect(!tls.cipher.isEmpty)
        #expect(response.timings.appConnect > response.timings.connect)
        #expect(response.timings.phases.tls > 0)

        let leaf = try #require(tls.peerCertificates.first)
        #expect(leaf.subject == "CN=127.0.0.1")
        #expect(leaf.issuer == "CN=vandine-test-ca")
        #expect(leaf.ipAddresses == ["127.0.0.1"])
        #expect(leaf.dnsNames.isEmpty)
        #expect(leaf.subjectAlternative == "127.0.0.1")
        let expected = try OpenSSLFacts(certs.serverCertificate)
        #expect(leaf.sha256Fingerprint == expected.fingerprint)
        #expect(leaf.serialNumber == expected.serial)
        #expect(leaf.notAfter == expected.notAfter)
        #expect(leaf.notBefore < leaf.notAfter)
        #expect(tls.earliestPeerExpiry == leaf.notAfter)
        #expect(tls.verifiedChain.map(\.subject) == ["CN=127.0.0.1", "CN=vandine-test-ca"])
        #expect(tls.verifiedChain.last?.sha256Fingerprint == (try OpenSSLFacts(certs.certificate)).fingerprint)
    }

    @Test func tlsVersionOptions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certs = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey, maxTLS: "1.2")
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/fixed", scheme: "https"))
        request.tls.caFile = certs.certificate
        let response = try await engine.execute(request)
        #expect(response.tls?.version == "TLS 1.2")
        #expect(response.tls?.cipher.isEmpty == false)

        request.tls.minVersion = .tls1_3
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(error.kind == .tls)
        #expect(!error.description.contains("\n"))
    }

    @Test func unknownCAAndWrongServerNameFailVerification() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certs = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey)
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/echo", scheme: "https"))
        let unknown = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(unknown.kind == .certificateVerification)
        #expect(unknown.description.hasPrefix("SSL certificate problem"))

        request.tls.caFile = certs.certificate
        request.tls.serverName = "other.example"
        let wrongName = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(wrongName.kind == .certificateVerification)
        #expect(wrongName.description.contains("other.example"))

        // Skipping verification, the name override still connects to the URL's address and
        // keeps the original Host header.
        request.tls.insecureSkipVerify = true
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
        #expect(try Echo(response).values("host") == ["127.0.0.1:\(server.port)"])
    }

    @Test func clientCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certs = try TestCertificates(in: directory)
        let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey,
                                                    clientCA: certs.certificate)
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/fixed", scheme: "https"))
        request.tls.caFile = certs.certificate
        await #expect(throws: CurlError.self) { try await engine.execute(request) }
        // The server certificate (signed by the same CA) doubles as a client certificate.
        request.tls.certFile = certs.serverCertificate
        request.tls.keyFile = certs.serverKey
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
    }

    @Test func expiredCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certs = try TestCertificates(in: directory)
        let expired = try ExpiredCertificate(signedBy: certs, in: directory)
        let server = try await HTTPTestServer.start(certificate: expired.certificate, key: expired.key)
        defer { server.stop() }
        var request = HTTPRequest(url: server.url("/fixed", scheme: "https"))
        request.tls.caFile = certs.certificate
        let error = try await #require(throws: CurlError.self) { try await engine.execute(request) }
        #expect(error.kind == .certificateVerification)
        #expect(error.description == "SSL certificate problem: certificate has expired")

        request.tls.insecureSkipVerify = true
        let response = try await engine.execute(request)
        #expect(response.statusCode == 200)
        let leaf = try #require(response.tls?.peerCertificates.first)
        #expect(leaf.subject == "CN=expired.test")
        #expect(leaf.notAfter < Date().timeIntervalSince1970)
        #expect(leaf.notAfter == (try OpenSSLFacts(expired.certificate)).notAfter)
    }

    // MARK: the engine

    @Test func concurrentRequestsShareOneThread() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        _ = try await engine.execute(HTTPRequest(url: server.url("/fixed")))  // engine thread running
        let before = threadCount()
        let start = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<200 {
                group.addTask {
                    let response = try await engine.execute(HTTPRequest(url: server.url("/slow"), timeout: .seconds(20)))
                    return (response.statusCode, threadCount())
                }
            }
            var all: [(Int, Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = ContinuousClock.now - start
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.0 == 200 })
        let peak = results.map(\.1).max() ?? 0
        #expect(peak - before < 20, "threads went from \(before) to \(peak)")
        // 200 × 200 ms served in parallel (64 connections), not one after another (40 s).
        #expect(elapsed < .seconds(10))
    }

    @Test func cancellingTheCallerRemovesTheTransfer() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let start = ContinuousClock.now
        let task = Task { () -> CurlError? in
            do throws(CurlError) {
                _ = try await engine.execute(HTTPRequest(url: server.url("/stall"), timeout: .seconds(30)))
                return nil
            } catch { return error }
        }
        _ = try await engine.execute(HTTPRequest(url: server.url("/fixed")))
        task.cancel()
        let error = await task.value
        #expect(error?.kind == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func shutdownFailsRunningAndLaterTransfers() async throws {
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let own = CurlEngine()
        let stalled = Task { () -> CurlError? in
            do throws(CurlError) {
                _ = try await own.execute(HTTPRequest(url: server.url("/stall"), timeout: .seconds(30)))
                return nil
            } catch { return error }
        }
        _ = try await own.execute(HTTPRequest(url: server.url("/fixed")))
        #expect(own.isRunning)
        await own.shutdown()
        #expect(!own.isRunning)
        #expect(await stalled.value?.kind == .engineStopped)
        let later = try await #require(throws: CurlError.self) {
            try await own.execute(HTTPRequest(url: server.url("/fixed")))
        }
        #expect(later.kind == .engineStopped)
        await own.shutdown()  // twice is fine
    }

    @Test func serviceRunStopsTheThreadWhenCancelled() async throws {
        let own = CurlEngine()
        let service = Task { try await own.run() }
        let server = try await HTTPTestServer.start()
        defer { server.stop() }
        let response = try await own.execute(HTTPRequest(url: server.url("/fixed")))
        #expect(response.statusCode == 200)
        service.cancel()
        try await service.value
        #expect(!own.isRunning)
    }

    // MARK: small pieces

    @Test func formatting() {
        #expect(formatSeconds(.seconds(2)) == "2.0s")
        #expect(formatSeconds(.milliseconds(250)) == "0.25s")
        #expect(formatSeconds(.milliseconds(1500)) == "1.5s")
        #expect(goTLSVersionName("TLSv1.3") == "TLS 1.3")
        #expect(goTLSVersionName("TLSv1") == "TLS 1.0")
        let headers: HTTPHeaders = ["Content-Type": "a", "content-type": "b"]
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers.values(for: "Content-type") == ["a", "b"])
    }
}

// MARK: helpers

func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
}

struct Echo {
    let method: String
    let path: String
    let version: String
    let body: String
    let headers: [[String]]

    init(_ response: HTTPResponse) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        method = object["method"] as? String ?? ""
        path = object["path"] as? String ?? ""
        version = object["version"] as? String ?? ""
        body = object["body"] as? String ?? ""
        headers = object["headers"] as? [[String]] ?? []
    }

    func values(_ name: String) -> [String] {
        headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }
}

func echoed(_ request: HTTPRequest) async throws -> Echo {
    let response = try await engine.execute(request)
    #expect(response.statusCode == 200)
    return try Echo(response)
}

/// What the openssl CLI says about a certificate file.
struct OpenSSLFacts {
    let fingerprint: String
    let serial: String
    let notAfter: Double

    init(_ file: String) throws {
        let result = try Command.run("openssl", ["x509", "-in", file, "-noout", "-fingerprint", "-sha256", "-serial", "-enddate"])
        var values: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        fingerprint = (values["sha256 Fingerprint"] ?? values["SHA256 Fingerprint"] ?? "").replacingOccurrences(of: ":", with: "").lowercased()
        // Whole bytes, as blackbox's %x of SerialNumber.Bytes() (and openssl -serial) print it.
        self.serial = (values["serial"] ?? "").lowercased()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let text = (values["notAfter"] ?? "").split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        notAfter = try #require(formatter.date(from: text)).timeIntervalSince1970
    }
}
