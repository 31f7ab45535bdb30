import AlertCore
import CurlClient
import Foundation
import TestSupport
import Testing
import VandineCore

/// VandineCore has an exposition `Sample` too.
typealias Sample = AlertCore.Sample

/// `PrometheusDatasource` against a real Prometheus 2.42 on loopback.
@Suite(.serialized) struct PrometheusDatasourceTests {
    static let engine = CurlEngine()

    func datasource(_ url: String, timeout: Double = 10, basicAuth: (String, String)? = nil) -> PrometheusDatasource {
        PrometheusDatasource(options: .init(url: url, basicAuth: basicAuth.map { ($0.0, Secret($0.1)) }, queryTimeout: timeout),
                             engine: Self.engine)
    }

    func result(_ source: PrometheusDatasource, _ expression: String, at time: Double = 1_700_000_000) async -> Result<[Sample], DatasourceError> {
        do throws(DatasourceError) {
            return .success(try await source.query(expression, at: time))
        } catch {
            return .failure(error)
        }
    }

    @Test("vectors, scalars, NaN/±Inf, strings, syntax errors and a wrong path, as Prometheus answers them")
    func answers() async throws {
        let prometheus = try await PrometheusTestServer.start()
        defer { prometheus.stop() }
        let source = datasource(prometheus.url())

        let vector = try await result(source, #"label_replace(vector(2), "instance", "a b/c", "", "") or label_replace(vector(3.5), "instance", "d", "", "")"#).get()
        #expect(Set(vector.map { "\($0.labels)=\($0.value)" }) == ["[\"instance\": \"a b/c\"]=2.0", "[\"instance\": \"d\"]=3.5"])

        // time() returns the evaluation time: the `time` parameter went out with its milliseconds.
        let scalar = try await result(source, "time()", at: 1_700_000_000.123).get()
        #expect(scalar == [Sample(labels: [:], value: 1_700_000_000.123)])

        let special = try await result(source, #"label_replace(vector(0) / 0, "v", "nan", "", "") or label_replace(vector(1) / 0, "v", "inf", "", "") or label_replace(vector(-1) / 0, "v", "-inf", "", "")"#).get()
        let values = Dictionary(uniqueKeysWithValues: special.map { ($0.labels["v"]!, $0.value) })
        #expect(values["nan"]?.isNaN == true)
        #expect(values["inf"] == .infinity)
        #expect(values["-inf"] == -.infinity)

        #expect(try await result(source, "vector(1) == 2").get() == [])

        guard case let .failure(.query(errorType, message)) = await result(source, #""hello""#) else {
            Issue.record("a string result must be a query error")
            return
        }
        #expect(errorType == "bad_data")
        #expect(message.hasPrefix("rule result is not a vector or scalar"))

        guard case let .failure(.query(syntaxType, syntaxMessage)) = await result(source, "sum(up") else {
            Issue.record("a syntax error must be a query error")
            return
        }
        #expect(syntaxType == "bad_data")
        #expect(syntaxMessage.contains("parse error"), "Prometheus's message: \(syntaxMessage)")

        guard case let .failure(.httpStatus(status, _)) = await result(datasource(prometheus.url("/nope")), "up") else {
            Issue.record("a wrong path prefix must be an HTTP status error")
            return
        }
        #expect(status == 404)
    }

    @Test("basic auth: the right password queries, a wrong one is HTTP 401 whose message does not carry it")
    func basicAuth() async throws {
        let prometheus = try await PrometheusTestServer.start(
            files: ["web.yml": "basic_auth_users:\n  alice: \(BasicAuthFixtures.hunter2Hash)\n"],
            arguments: ["--web.config.file=$DIR/web.yml"], curlExtra: ["-u", "alice:hunter2"])
        defer { prometheus.stop() }
        #expect(try await result(datasource(prometheus.url(), basicAuth: ("alice", "hunter2")), "vector(1)").get()
            == [Sample(labels: [:], value: 1)])
        let wrong = await result(datasource(prometheus.url(), basicAuth: ("alice", "wrong-password")), "vector(1)")
        guard case let .failure(error) = wrong, case .httpStatus(401, _) = error else {
            Issue.record("expected HTTP 401, got \(wrong)")
            return
        }
        #expect(!error.description.contains("wrong-password"))
        #expect(error.isDatasourceFailure)
    }

    @Test("TLS: verified against the given CA; without it the certificate is refused (unreachable)")
    func tls() async throws {
        let certificates = try TemporaryDirectory()
        defer { certificates.remove() }
        // openssl runs on a thread of its own, not on the cooperative pool.
        let ca: TestCertificates = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try TestCertificates(in: certificates) }) }.start()
        }
        let prometheus = try await PrometheusTestServer.start(
            files: ["web.yml": "tls_server_config:\n  cert_file: \(ca.serverCertificate)\n  key_file: \(ca.serverKey)\n"],
            arguments: ["--web.config.file=$DIR/web.yml"], tls: true)
        defer { prometheus.stop() }
        let url = prometheus.url()
        let verified = PrometheusDatasource(options: .init(url: url, tls: TLSOptions(caFile: ca.certificate)), engine: Self.engine)
        #expect(try await result(verified, "vector(7)").get() == [Sample(labels: [:], value: 7)])
        guard case let .failure(.unreachable(message)) = await result(datasource(url), "vector(7)") else {
            Issue.record("an unknown CA must be refused")
            return
        }
        #expect(message.lowercased().contains("certificate"), "\(message)")
    }

    @Test("nothing listening: unreachable, with curl's reason")
    func unreachable() async throws {
        let port = try freeLoopbackPort()
        let outcome = await result(datasource("http://127.0.0.1:\(port)"), "up")
        #expect(outcome == .failure(.unreachable("connection refused")))
    }

    @Test("a server that accepts and never answers: timeout within the query timeout (+ 1 s)")
    func stall() async throws {
        let server = try await TCPTestServer(silent: true)
        defer { Task { await server.stop() } }
        let start = ContinuousClock.now
        let outcome = await result(datasource("http://127.0.0.1:\(server.port)", timeout: 1), "up")
        let elapsed = ContinuousClock.now - start
        #expect(outcome == .failure(.timeout(1)))
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test("the form body: percent-encoded query, time with milliseconds, timeout in ms, extra parameters last")
    func formBody() {
        let source = PrometheusDatasource(options: .init(url: "http://127.0.0.1:1/", queryTimeout: 2.5,
                                                         extraQueryParameters: [("dedup", "true")]), engine: Self.engine)
        #expect(source.formBody(#"up{job="a b"} > 0"#, 1_700_000_000.5)
            == "query=up%7Bjob%3D%22a%20b%22%7D%20%3E%200&time=1700000000%2E500&timeout=2500ms&dedup=true")
    }
}
