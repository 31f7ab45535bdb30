/// An ``ICMPEchoing`` for a build without an ICMP engine: every session fails to open with a
/// one-line reason, so continuous mode reports send errors and logs why instead of pinging.
/// The daemon's wiring replaces it with the real engine.
public struct UnavailableEchoEngine: ICMPEchoing {
    public let reason: String

    public init(reason: String = "this build has no ICMP engine") {
        self.reason = reason
    }

    public func openSession(to destination: ICMPDestination, options: EchoOptions,
                            onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
        throw .socketFailed(reason)
    }

    /// Runs `action` at `instant` from a task: this engine has no thread of its own.
    public func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) {
        Task {
            try? await Task.sleep(until: instant, clock: .continuous)
            action()
        }
    }
}
