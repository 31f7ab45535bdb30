import VandineCore

/// Turns a smokeping host name into the address to ping and says how long that answer holds.
/// Behind a protocol so tests can script address changes; the daemon uses ``SystemHostResolver``.
///
/// `resolve` blocks (a DNS query can take seconds): callers run it off Swift's cooperative pool.
public protocol HostResolving: Sendable {
    /// Resolves `name` (never an IP literal: those are not resolved) to one address of the
    /// preferred family. Throws ``HostResolutionError`` when nothing usable resolves.
    func resolve(_ name: String, preference: IPProtocolPreference) throws(HostResolutionError) -> HostResolution
}

/// One answer: the address and when to ask again.
public struct HostResolution: Sendable, Equatable {
    /// The address pinged (the `ip` label).
    public var address: IPAddress
    /// How long the answer may be used: the DNS record's TTL when known, else a fixed period.
    public var validFor: Duration

    public init(address: IPAddress, validFor: Duration) {
        self.address = address
        self.validFor = validFor
    }
}

/// Why a name did not resolve: one line, e.g. `cannot resolve nas.lan: Name or service not known`.
public struct HostResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
