import NIOSSL
import VandineCore

/// Checks that a web config's `tls_server_config` can really serve: the certificate and key
/// files parse and belong together. `--config.check` and start-up both run it, so a swapped or
/// mismatched pair is one line naming the files instead of a bare `failedToLoadPrivateKey`.
public enum WebServerTLS {
    /// Loads the web config at `path` and checks its TLS files (see ``validate(_:file:)``).
    public static func load(path: String) throws(ConfigError) -> WebConfig {
        let config = try WebConfig.load(path: path)
        try validate(config, file: path)
        return config
    }

    /// - Throws: `ConfigError` naming `file` (the web config), the key path and the files.
    public static func validate(_ webConfig: WebConfig, file: String) throws(ConfigError) {
        guard let tls = webConfig.tls else { return }
        var reason: String?
        if (try? NIOSSLCertificate.fromPEMFile(tls.certFile)) == nil {
            reason = "cert_file is not a PEM certificate"
        } else if (try? NIOSSLPrivateKey(file: tls.keyFile, format: .pem)) == nil {
            reason = "key_file is not a PEM private key"
        } else {
            do {
                _ = try NIOSSLContext(configuration: try TLSConfiguration.server(from: tls))
            } catch NIOSSLError.failedToLoadPrivateKey {
                reason = "the key in key_file does not belong to the certificate in cert_file"
            } catch let error as UnsupportedTLSSetting {
                reason = error.description
            } catch {
                reason = "\(error)"
            }
        }
        if let reason {
            throw ConfigError(file: file.lastPathComponent, line: nil, column: nil, path: "tls_server_config",
                              message: "cannot serve TLS with cert_file \(tls.certFile) and key_file \(tls.keyFile): \(reason)")
        }
    }
}
