import NIOSSL
import Synchronization
import VandineCore

/// NIOSSL client contexts by `tls_config`, built once and reused for a while: building one reads and
/// parses the system CA bundle (and any `ca_file`, `cert_file`, `key_file`) synchronously, which must
/// not happen on every probe on the cooperative pool. Entries are rebuilt after `lifetime`, so a
/// rotated certificate file is picked up.
final class TLSContextCache: Sendable {
    static let lifetime = Duration.seconds(600)
    private let contexts = Mutex<[TLSClientConfig: (context: NIOSSLContext, made: ContinuousClock.Instant)]>([:])

    func context(for config: TLSClientConfig) throws -> NIOSSLContext {
        let now = ContinuousClock.now
        if let cached = contexts.withLock({ $0[config] }), now - cached.made < Self.lifetime { return cached.context }
        let context = try NIOSSLContext(configuration: TLSClientSettings.configuration(config))
        contexts.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }  // one per distinct tls_config: a handful in practice
            cache[config] = (context, now)
        }
        return context
    }
}

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
