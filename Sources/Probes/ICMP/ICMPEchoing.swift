import VandineCore

/// What the ICMP engine offers its users (the icmp prober, continuous mode, the discovery sweep):
/// echo sessions multiplexed over ONE socket per address family per process.
///
/// A session is one echo identifier towards one address. Replies are matched by (identifier,
/// sequence) on the engine's receive thread and handed to the session's `onReply` callback there,
/// so a callback must be short and must not block (record, resume a continuation, return).
///
/// Behind this protocol so tests and the other users can run against a fake; the real engine is
/// ``ICMPEngine``.
public protocol ICMPEchoing: Sendable {
    /// Opens a session towards `destination`. Throws ``ICMPError`` when no socket can be opened
    /// (for example neither a ping group nor `CAP_NET_RAW`: the error's text says which sysctl or
    /// capability to set).
    ///
    /// - Parameters:
    ///   - destination: the address echoes go to; replies from any other source are not matched.
    ///   - options: payload size (bytes), TTL / hop limit, don't-fragment, source address.
    ///   - onReply: called on the receive thread once per matching reply, duplicates included.
    func openSession(to destination: ICMPDestination, options: EchoOptions,
                     onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession

    /// Runs `action` at `instant` (or as soon after as the engine gets to it) on the engine's own
    /// thread, like `onReply`: short, never blocking. For pacing a probe's requests and ending its
    /// wait without a timer, task or sleep per packet — what lets 1,000 probes cost one thread.
    /// Returns a token for ``cancel(_:)``.
    @discardableResult
    func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction

    /// Drops a scheduled action that has not run yet (and what it holds); a no-op after it ran.
    func cancel(_ scheduled: ScheduledAction)
}

/// Names one ``ICMPEchoing/schedule(at:_:)`` call, for ``ICMPEchoing/cancel(_:)``.
public struct ScheduledAction: Sendable, Hashable {
    public let id: UInt64

    public init(id: UInt64) { self.id = id }
}

/// One session: sends numbered echo requests and stops matching replies once closed.
public protocol EchoSession: AnyObject, Sendable {
    /// Sends the next echo request and returns its sequence number. Throws ``ICMPError/sendFailed``
    /// when the kernel refuses the packet (no route, message too long with don't-fragment, …).
    @discardableResult
    func send() throws(ICMPError) -> UInt16

    /// Stops matching replies to this session and frees its (identifier, sequence) entries.
    /// Idempotent.
    func close()
}

/// Where echoes go: an address, with a scope id for a link-local IPv6 address.
public struct ICMPDestination: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    /// Interface index for a zoned IPv6 address (`fe80::1%eth0`), else 0.
    public var scopeID: UInt32

    public init(address: IPAddress, scopeID: UInt32 = 0) {
        self.address = address
        self.scopeID = scopeID
    }

    public var description: String { address.description }
}

/// Per-session packet options (blackbox_exporter's icmp module options).
public struct EchoOptions: Sendable, Equatable {
    /// Echo data size in bytes, after the 8-byte ICMP header (blackbox `payload_size`).
    public var payloadSize: Int
    /// IPv4 TTL or IPv6 hop limit of the requests; nil keeps the system default.
    public var ttl: Int?
    /// IPv4 only: set the don't-fragment bit (blackbox `dont_fragment`).
    public var dontFragment: Bool
    /// Source address of the requests (blackbox `source_ip_address`); nil lets the kernel choose.
    public var source: IPAddress?

    /// 56 bytes of data, as ping(8) and smokeping_prober send.
    public static let defaultPayloadSize = 56

    public init(payloadSize: Int = defaultPayloadSize, ttl: Int? = nil, dontFragment: Bool = false, source: IPAddress? = nil) {
        self.payloadSize = payloadSize
        self.ttl = ttl
        self.dontFragment = dontFragment
        self.source = source
    }
}

/// One echo reply matched to a session.
public struct EchoReply: Sendable, Equatable {
    /// The sequence number of the request it answers.
    public var sequence: UInt16
    /// Round-trip time: from the request leaving to the reply being read.
    public var rtt: Duration
    /// The reply's IPv4 TTL or IPv6 hop limit, when the kernel reported it.
    public var hopLimit: Int?
    /// True when this sequence number had already been answered.
    public var isDuplicate: Bool

    public init(sequence: UInt16, rtt: Duration, hopLimit: Int?, isDuplicate: Bool) {
        self.sequence = sequence
        self.rtt = rtt
        self.hopLimit = hopLimit
        self.isDuplicate = isDuplicate
    }
}

/// Why the engine could not do what was asked. Every case's text is one line.
public enum ICMPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket for this family: neither the datagram socket (ping group) nor the raw socket
    /// (`CAP_NET_RAW`) is allowed. The text names the sysctl and the capability.
    case notPermitted(String)
    /// The socket could not be opened for another reason.
    case socketFailed(String)
    /// The kernel refused one packet.
    case sendFailed(String)

    public var description: String {
        switch self {
        case let .notPermitted(text), let .socketFailed(text), let .sendFailed(text): text
        }
    }
}
