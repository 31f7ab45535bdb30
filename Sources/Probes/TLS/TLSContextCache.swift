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
