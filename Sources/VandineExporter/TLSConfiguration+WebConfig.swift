import NIOSSL
import VandineCore

extension TLSConfiguration {
    /// The server TLS settings of an exporter-toolkit web config.
    static func server(from settings: WebConfig.TLSServerSettings) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        if let minimum = settings.minVersion {
            configuration.minimumTLSVersion = switch minimum {
            case .tls10: .tlsv1
            case .tls11: .tlsv11
            case .tls12: .tlsv12
            case .tls13: .tlsv13
            }
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
struct UnsupportedTLSSetting: Error, CustomStringConvertible {
    let description: String
}
