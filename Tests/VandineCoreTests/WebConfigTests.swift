import Foundation
import Testing
@testable import VandineCore

/// A temporary folder with dummy certificate files (the loader only checks that they are readable).
private final class WebFixture {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("webcfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        for name in ["server.crt", "server.key", "ca.pem"] {
            try "-----BEGIN DUMMY-----\nnot a real PEM\n-----END DUMMY-----\n"
                .write(toFile: directory + "/certs/" + name, atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func parse(_ yaml: String) throws(ConfigError) -> WebConfig {
        try WebConfig.parse(yaml: yaml, file: "web.yml", baseDirectory: directory)
    }

    /// The one-line error for `yaml`, or nil when it loads.
    func error(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error.description
        }
    }
}

// Cost-4 hashes made with libxcrypt: crypt_r(password, crypt_gensalt_rn(prefix, 4, NULL, 0, …)).
private let aliceHash = "$2y$04$vdyWDUvKm27HKDpKbJFFQ.6fimQa0KDlXb8vkclovvFtdZME0Edxy"  // "hunter2"
private let bobHash = "$2b$04$YlhjJ4qX8d57ipgroA3WEey/F7askMBlG6PnWdE/AtTi1JunjTGs."    // "pa:ss word"

@Suite struct WebConfigTests {
    @Test func validFileWithTLSHeadersAndUsers() throws {
        let fixture = try WebFixture()
        let config = try fixture.parse("""
            tls_server_config:
              cert_file: certs/server.crt
              key_file: \(fixture.directory)/certs/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: certs/ca.pem
              min_version: TLS13
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000; includeSubDomains
            basic_auth_users:
              alice: \(aliceHash)
              bob: '\(bobHash)'
            """)
        let expected = WebConfig(
            tls: .init(certFile: fixture.directory + "/certs/server.crt",
                       keyFile: fixture.directory + "/certs/server.key",
                       clientCAFile: fixture.directory + "/certs/ca.pem",
                       clientAuthType: .requireAndVerifyClientCert,
                       minVersion: .tls13),
            http: .init(headers: [
                "X-Frame-Options": "deny",
                "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            ]),
            basicAuthUsers: ["alice": aliceHash, "bob": bobHash])
        #expect(config == expected)
        #expect(config.tls?.clientAuthType.verifiesClientCertificate == true)
        #expect(config.tls?.clientAuthType.requiresClientCertificate == true)
    }

    @Test func emptyFileMeansNoTLSAndNoAuth() throws {
        let fixture = try WebFixture()
        for text in ["", "\n", "# nothing here\n", "tls_server_config:\nbasic_auth_users:\n"] {
            let config = try fixture.parse(text)
            #expect(config == WebConfig())
            #expect(config.tls == nil)
            #expect(config.basicAuthUsers.isEmpty)
        }
    }

    @Test func defaultsWithinTLS() throws {
        let fixture = try WebFixture()
        let config = try fixture.parse("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n")
        #expect(config.tls?.clientAuthType == .noClientCert)
        #expect(config.tls?.clientCAFile == nil)
        #expect(config.tls?.minVersion == nil)
    }

    @Test func legacyRequireClientCertSpelling() throws {
        let fixture = try WebFixture()
        let config = try fixture.parse("""
            tls_server_config:
              cert_file: certs/server.crt
              key_file: certs/server.key
              client_auth_type: RequireClientCert
            """)
        #expect(config.tls?.clientAuthType == .requireAnyClientCert)
    }

    @Test func loadResolvesRelativePathsAgainstTheConfigFolder() throws {
        let fixture = try WebFixture()
        let path = fixture.directory + "/web.yml"
        try "tls_server_config:\n  cert_file: certs/server.crt\n  key_file: ./certs/server.key\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let config = try WebConfig.load(path: path)
        #expect(config.tls?.certFile == fixture.directory + "/certs/server.crt")
        #expect(config.tls?.keyFile == fixture.directory + "/./certs/server.key")
        #expect(FileManager.default.isReadableFile(atPath: config.tls!.keyFile))
    }

    @Test func loadErrorsNameTheFile() throws {
        let fixture = try WebFixture()
        let missing = fixture.directory + "/absent.yml"
        #expect(throws: ConfigError(file: missing, line: nil, column: nil, path: "", message: "cannot read file: No such file or directory")) {
            try WebConfig.load(path: missing)
        }
        let path = fixture.directory + "/web.yml"
        try "bogus: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try WebConfig.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == #"web.yml:1:1: bogus: unknown key "bogus" (known keys: basic_auth_users, http_server_config, tls_server_config)"#)
        }
    }

    @Test func descriptionNeverShowsHashes() throws {
        let fixture = try WebFixture()
        let config = try fixture.parse("basic_auth_users:\n  alice: \(aliceHash)\n")
        #expect(config.description == "WebConfig(tls: none; basic_auth_users: [alice: <secret>])")
        #expect(!"\(config)".contains("$2y$"))
        #expect(!String(reflecting: config).contains("$2y$"))
    }

    // MARK: - Errors, each with its exact one-line message

    @Test func structureErrors() throws {
        let f = try WebFixture()
        #expect(f.error("tls_config:\n  cert_file: x\n")
            == #"web.yml:1:1: tls_config: unknown key "tls_config" (known keys: basic_auth_users, http_server_config, tls_server_config)"#)
        #expect(f.error("- a\n") == "web.yml:1:1: must be a mapping, got a list")
        #expect(f.error("tls_server_config: yes\n") == "web.yml:1:20: tls_server_config: must be a mapping, got yes")
        #expect(f.error("basic_auth_users: [alice]\n") == "web.yml:1:19: basic_auth_users: must be a mapping, got a list")
        #expect(f.error("basic_auth_users:\n  alice: \(aliceHash)\n  alice: \(aliceHash)\n")?.hasPrefix("web.yml:") == true)
        #expect(f.error("tls_server_config: [\n") != nil)
    }

    @Test func tlsErrors() throws {
        let f = try WebFixture()
        let dir = f.directory
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n")
            == #"web.yml:3:3: tls_server_config.cipher_suites: unknown key "cipher_suites" (known keys: cert_file, client_auth_type, client_ca_file, key_file, min_version)"#)
        #expect(f.error("tls_server_config:\n  key_file: certs/server.key\n")
            == #"web.yml:2:3: tls_server_config: missing required key "cert_file""#)
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n")
            == #"web.yml:2:3: tls_server_config: missing required key "key_file""#)
        #expect(f.error("tls_server_config: {}\n")
            == #"web.yml:1:20: tls_server_config: missing required key "cert_file""#)
        #expect(f.error("tls_server_config:\n  cert_file: certs/nope.crt\n  key_file: certs/server.key\n")
            == "web.yml:2:14: tls_server_config.cert_file: cannot read file \(dir)/certs/nope.crt")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: /nonexistent/server.key\n")
            == "web.yml:3:13: tls_server_config.key_file: cannot read file /nonexistent/server.key")
        #expect(f.error("tls_server_config:\n  cert_file: certs\n  key_file: certs/server.key\n")
            == "web.yml:2:14: tls_server_config.cert_file: cannot read file \(dir)/certs: it is a directory")
        #expect(f.error("tls_server_config:\n  cert_file: ''\n  key_file: certs/server.key\n")
            == "web.yml:2:14: tls_server_config.cert_file: must not be empty")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  client_auth_type: RequireCert\n")
            == "web.yml:4:21: tls_server_config.client_auth_type: must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got RequireCert")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  client_auth_type: RequireAndVerifyClientCert\n")
            == "web.yml:4:21: tls_server_config.client_auth_type: client_auth_type RequireAndVerifyClientCert needs client_ca_file")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  client_auth_type: VerifyClientCertIfGiven\n")
            == "web.yml:4:21: tls_server_config.client_auth_type: client_auth_type VerifyClientCertIfGiven needs client_ca_file")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  client_ca_file: certs/ca.pem\n")
            == "web.yml:4:19: tls_server_config.client_ca_file: client_ca_file needs client_auth_type VerifyClientCertIfGiven or RequireAndVerifyClientCert (NoClientCert never asks for a client certificate)")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: certs/missing.pem\n")
            == "web.yml:5:19: tls_server_config.client_ca_file: cannot read file \(dir)/certs/missing.pem")
        #expect(f.error("tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  min_version: TLS1.2\n")
            == "web.yml:4:16: tls_server_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13, got TLS1.2")
    }

    @Test func httpServerConfigErrors() throws {
        let f = try WebFixture()
        #expect(f.error("http_server_config:\n  http2: maybe\n")
            == "web.yml:2:10: http_server_config.http2: must be true or false, got maybe")
        #expect(f.error("http_server_config:\n  http2: true\n")
            == "web.yml:2:10: http_server_config.http2: HTTP/2 is not supported (this server speaks HTTP/1.1); set http2: false or remove the key")
        #expect(f.error("http_server_config:\n  keep_alive: true\n")
            == #"web.yml:2:3: http_server_config.keep_alive: unknown key "keep_alive" (known keys: headers, http2)"#)
        #expect(f.error("http_server_config:\n  headers:\n    X-Powered-By: swift\n")
            == #"web.yml:3:5: http_server_config.headers.X-Powered-By: HTTP header "X-Powered-By" can not be configured (allowed headers: Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection)"#)
        #expect(f.error("http_server_config:\n  headers:\n    X-Frame-Options: DENY\n")
            == "web.yml:3:22: http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin, got DENY")
        #expect(f.error("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n")
            == "web.yml:3:29: http_server_config.headers.X-Content-Type-Options: must be one of nosniff, got sniff")
        #expect(f.error("http_server_config:\n  headers:\n    Content-Security-Policy: \"default-src 'self'\\r\\nSet-Cookie: a=b\"\n")
            == "web.yml:3:30: http_server_config.headers.Content-Security-Policy: must not contain line breaks or control characters")
        let ok = try f.parse("http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    X-XSS-Protection: '0'\n")
        #expect(ok.http.headers == ["X-Content-Type-Options": "nosniff", "X-XSS-Protection": "0"])
    }

    @Test func basicAuthUserErrorsNeverShowTheValue() throws {
        let f = try WebFixture()
        let cases: [(String, String)] = [
            ("plaintextpassword", "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 17 characters"),
            (String(aliceHash.dropLast()), "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 59 characters"),
            (aliceHash + "x", "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 61 characters"),
            ("$2x$" + aliceHash.dropFirst(4), "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 60 characters"),
            ("$1$" + aliceHash.dropFirst(3), "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 60 characters"),
            (String(aliceHash.dropLast()) + "!", "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash ($2y$…), got a value of 60 characters"),
            ("$2y$03$" + aliceHash.dropFirst(7), "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash with cost 04-31, got cost 03"),
            ("$2y$32$" + aliceHash.dropFirst(7), "web.yml:3:10: basic_auth_users.alice: must be a bcrypt hash with cost 04-31, got cost 32"),
        ]
        for (value, message) in cases {
            let text = f.error("basic_auth_users:\n  bob: \(bobHash)\n  alice: '\(value)'\n")
            #expect(text == message)
            #expect(text?.contains(value) == false)
        }
        #expect(f.error("basic_auth_users:\n  alice:\n")
            == "web.yml:2:9: basic_auth_users.alice: must be a string, got nothing")
        #expect(f.error("basic_auth_users:\n  alice: [a]\n")
            == "web.yml:2:10: basic_auth_users.alice: must be a string, got a list")
        #expect(f.error("basic_auth_users:\n  'al:ice': \(aliceHash)\n")
            == "web.yml:2:3: basic_auth_users.al:ice: user name must not contain ':'")
        #expect(f.error("basic_auth_users:\n  '': \(aliceHash)\n")
            == "web.yml:2:3: basic_auth_users.: user name must not be empty")
    }
}
