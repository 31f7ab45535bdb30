/// An ``ICMPEchoing`` that refuses every session with a one-line reason: what a user of the
/// engine sees when ICMP is not available (continuous mode then reports send errors and logs why).
/// The tests of routes and of continuous mode run on it; the daemon wires the real ``ICMPEngine``.
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
    public func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        Task {
            try? await Task.sleep(until: instant, clock: .continuous)
            action()
        }
        return ScheduledAction(id: 0)
    }

    /// Scheduled actions run from tasks here, which are not cancelled: cancelling is only a memory
    /// saving in the real engine, and an action that runs after its probe finished does nothing.
    public func cancel(_ scheduled: ScheduledAction) {}
}
