import NIOCore
import VandineCore

/// One clean line for an error that stops a daemon's server: "bind 127.0.0.1:10110: address already
/// in use" rather than NIO's `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`.
public enum ServerError {
    public static func reason(_ error: any Error) -> String {
        if let error = error as? IOError {
            let message = systemErrorMessage(error.errnoCode)
            let call = String(describing: error).prefix { $0 != "(" }
            return call.isEmpty ? message : "\(call): \(message)"
        }
        return "\(error)"
    }
}
