/// An ICMP engine that counts failed reads on its sockets (not timeouts: a read that returned an
/// error). Continuous mode reports the count as `smokeping_receive_errors_total`, which
/// smokeping_prober counts the same way (its `OnRecvError`, read timeouts excluded) for the
/// whole process, without labels. An engine that does not adopt this reports 0. The real
/// engine's `receiveErrors` fits: `extension ICMPEngine: ICMPReceiveErrorCounting {}`.
public protocol ICMPReceiveErrorCounting: Sendable {
    /// Failed socket reads since the engine started.
    var receiveErrors: Int { get }
}

extension ICMPEngine: ICMPReceiveErrorCounting {}
