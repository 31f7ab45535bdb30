import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// A failed transfer, with a one-line `description` fit for a log line or a probe's debug output.
///
/// Built from curl's `CURLE_*` code and its `CURLOPT_ERRORBUFFER` text (or the engine's own reason:
/// deadline, cancellation, shutdown). `partialResponse` carries what was received before the
/// failure: status code and headers when they arrived, the phase times that finished, TLS info.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Sendable, Equatable {
        /// The URL or an option was rejected (`CURLE_URL_MALFORMAT`, `CURLE_UNSUPPORTED_PROTOCOL`, ...).
        case invalidRequest
        /// The host name did not resolve.
        case couldNotResolve
        /// The server refused the connection (`ECONNREFUSED`).
        case connectionRefused
        /// Any other connect failure (unreachable, ...).
        case couldNotConnect
        /// The deadline passed (curl's timeout or the engine's backstop).
        case timedOut
        /// The server's certificate failed verification (expired, unknown CA, wrong name).
        case certificateVerification
        /// Any other TLS failure (handshake, client certificate, protocol version).
        case tls
        /// More than `maxRedirects` redirects.
        case tooManyRedirects
        /// The body exceeded `maxResponseBytes` with `BodyLimitBehavior.fail`.
        case bodyTooLarge
        /// The calling task was cancelled; the transfer was removed from the engine.
        case cancelled
        /// The engine was shut down before the transfer finished.
        case engineStopped
        /// Any other curl failure (connection reset, bad response, ...).
        case transfer
    }

    /// The kind of failure.
    public let kind: Kind
    /// curl's `CURLcode` (0 when the engine itself failed the transfer).
    public let curlCode: Int
    /// One line, e.g. "connection refused", "timed out after 2.0s",
    /// "SSL certificate problem: certificate has expired", "too many redirects (10)".
    public let description: String
    /// What arrived before the failure (status 0 when no status line arrived); nil when the transfer
    /// never started.
    public let partialResponse: HTTPResponse?

    /// An error with the given kind, curl code (0 for none), one-line description and partial response.
    public init(kind: Kind, curlCode: Int = 0, description: String, partialResponse: HTTPResponse? = nil) {
        self.kind = kind
        self.curlCode = curlCode
        self.description = description
        self.partialResponse = partialResponse
    }

    /// Classifies a curl result code. `errorBuffer` is the CURLOPT_ERRORBUFFER text, `osErrno`
    /// CURLINFO_OS_ERRNO.
    static func from(code: CURLcode, errorBuffer: String, osErrno: Int32, budget: Duration, maxRedirects: Int,
                     partial: HTTPResponse?) -> CurlError {
        let detail = errorBuffer.isEmpty ? String(cString: vandine_curl_easy_strerror(code)) : errorBuffer
        let number = Int(code.rawValue)
        func make(_ kind: Kind, _ text: String) -> CurlError {
            CurlError(kind: kind, curlCode: number, description: text, partialResponse: partial)
        }
        switch code {
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_NOT_BUILT_IN,
             CURLE_UNKNOWN_OPTION, CURLE_SETOPT_OPTION_SYNTAX:
            return make(.invalidRequest, detail)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return make(.couldNotResolve, detail)
        case CURLE_COULDNT_CONNECT:
            switch osErrno {
            case ECONNREFUSED: return make(.connectionRefused, "connection refused")
            case EHOSTUNREACH: return make(.couldNotConnect, "no route to host")
            case ENETUNREACH: return make(.couldNotConnect, "network is unreachable")
            case ETIMEDOUT: return make(.couldNotConnect, "connection timed out")
            default: return make(.couldNotConnect, detail)
            }
        case CURLE_OPERATION_TIMEDOUT:
            return make(.timedOut, "timed out after \(formatSeconds(budget))")
        case CURLE_PEER_FAILED_VERIFICATION:
            return make(.certificateVerification, detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_CLIENTCERT:
            return make(.tls, detail)
        case CURLE_TOO_MANY_REDIRECTS:
            return make(.tooManyRedirects, "too many redirects (\(maxRedirects))")
        default:
            return make(.transfer, detail)
        }
    }
}

/// "2.0s", "0.25s", "1.5s": seconds with at least one and at most three decimals.
func formatSeconds(_ duration: Duration) -> String {
    let milliseconds = max(0, Int((duration.seconds * 1000).rounded()))
    var fraction = String(milliseconds % 1000)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(milliseconds / 1000).\(fraction)s"
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
