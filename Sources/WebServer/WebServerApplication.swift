import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import VandineCore

/// Builds a daemon's HTTP application from its router, web config and listen address: TLS when the
/// web config has `tls_server_config`, plain HTTP/1.1 otherwise.
public enum WebServerApplication {
    public static func build(
        router: Router<BasicRequestContext>, webConfig: WebConfig, listen: ListenAddress, serverName: String,
        services: [any Service] = [], logger: Logger
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls = webConfig.tls {
            server = try .tls(.http1(), tlsConfiguration: try TLSConfiguration.server(from: tls))
        } else {
            server = .http1()
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(listen.bindHost, port: listen.port), serverName: serverName),
            services: services,
            logger: logger
        )
    }
}
