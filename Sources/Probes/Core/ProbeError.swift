import NIOCore
import NIOPosix
import NIOSSL
import VandineCore

/// One clean reason for a failure, for the probe log and the `probe failed` log line: "connection
/// refused", "connect timed out", never a stack like `connection reset (error set): Connection
/// refused) (errno: 111)`.
enum ProbeError {
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as IOError:
            return systemErrorMessage(error.errnoCode)
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return reason(first.error) }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return reason(dns) }
            return "connection failed"
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return "connect timed out"
            case .eof, .alreadyClosed, .ioOnClosedChannel, .outputClosed: return "connection closed"
            default: return "\(error)"
            }
        case let error as NIOSSLError:
            return "TLS: \(error)"
        case let error as BoringSSLError:
            return "TLS: \(error)"
        case is CancellationError:
            return "cancelled"
        default:
            return "\(error)"
        }
    }
}
