import NIOSSL
import VandineCore

/// A module's `tls_config` as NIOSSL client settings (the `tcp` prober's TLS).
enum TLSClientSettings {
    static func configuration(_ config: TLSClientConfig) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = config.caFile { tls.trustRoots = .file(caFile) }
        if let certFile = config.certFile, let keyFile = config.keyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        tls.certificateVerification = config.insecureSkipVerify ? .none : .fullVerification
        if let minimum = config.minVersion { tls.minimumTLSVersion = version(minimum) }
        if let maximum = config.maxVersion { tls.maximumTLSVersion = version(maximum) }
        return tls
    }

    static func version(_ version: TLSProtocolVersion) -> NIOSSL.TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
