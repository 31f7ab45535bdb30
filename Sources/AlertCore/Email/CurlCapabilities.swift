import CCurl

/// What the linked libcurl can do. Email needs SMTP and TLS (STARTTLS / SMTPS); a libcurl built
/// without either cannot send alerts, and saying so at start-up beats failing at the first alert.
public struct CurlCapabilities: Sendable, Equatable {
    public let version: String
    public let protocols: Set<String>
    public let hasTLS: Bool
    public let sslVersion: String?

    /// Reads `curl_version_info` of the library this process linked.
    public static func current() -> CurlCapabilities {
        guard let info = vandine_curl_version_info()?.pointee else {
            return CurlCapabilities(version: "unknown", protocols: [], hasTLS: false, sslVersion: nil)
        }
        var protocols = Set<String>()
        if var cursor = info.protocols {
            while let name = cursor.pointee {
                protocols.insert(String(cString: name))
                cursor += 1
            }
        }
        return CurlCapabilities(
            version: info.version.map { String(cString: $0) } ?? "unknown",
            protocols: protocols,
            hasTLS: info.features & CURL_VERSION_SSL != 0,
            sslVersion: info.ssl_version.map { String(cString: $0) }
        )
    }

    /// True when libcurl can send mail over both STARTTLS (smtp) and implicit TLS (smtps).
    public var canSendSecureMail: Bool { protocols.contains("smtp") && protocols.contains("smtps") && hasTLS }
}
