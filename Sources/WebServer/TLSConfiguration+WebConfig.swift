import NIOSSL
import VandineCore

extension TLSConfiguration {
    /// exporter-toolkit's `min_version` default: TLS 1.2 (its docs: "min_version … default = TLS12").
    public static let webConfigDefaultMinimumVersion = TLSVersion.tlsv12

    /// The server TLS settings of an exporter-toolkit web config. Without `min_version` the floor
    /// is exporter-toolkit's default, TLS 1.2: TLS 1.0 and 1.1 handshakes are refused.
    public static func server(from settings: WebConfig.TLSServerSettings) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = switch settings.minVersion {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        case nil: webConfigDefaultMinimumVersion
        }
        if let caFile = settings.clientCAFile {
            configuration.trustRoots = .file(caFile)
        }
        switch settings.clientAuthType {
        case .noClientCert, .requestClientCert:
            configuration.certificateVerification = .none
        case .verifyClientCertIfGiven:
            configuration.certificateVerification = .optionalVerification
        case .requireAndVerifyClientCert:
            configuration.certificateVerification = .noHostnameVerification
        case .requireAnyClientCert:
            // NIOSSL cannot require a certificate without verifying it; refusing beats silently
            // accepting connections without one.
            throw UnsupportedTLSSetting(description: "client_auth_type RequireAnyClientCert is not supported; use RequireAndVerifyClientCert with client_ca_file")
        }
        return configuration
    }
}

/// A web-config TLS setting this server cannot honour.
public struct UnsupportedTLSSetting: Error, CustomStringConvertible {
    public let description: String
}
