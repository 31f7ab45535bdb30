import Synchronization
import VandineCore

/// What the discovery sweep knows, shared by the sweep (writer), `/metrics` and `/sd` (readers):
/// the hosts seen within `keep_vanished`, and how the last sweep went. Takes the time as a
/// parameter, so tests drive it with any clock.
public final class DiscoveryResults: Sendable {
    /// How the last sweep went.
    public struct SweepSummary: Sendable, Equatable {
        /// Unix seconds when it finished.
        public var finished: Double
        public var durationSeconds: Double
        /// Addresses it sent to.
        public var addresses: Int
        /// False when it could not run or could not be trusted (see ``EchoSweep/Result/isComplete``).
        public var success: Bool

        public init(finished: Double, durationSeconds: Double, addresses: Int, success: Bool) {
            self.finished = finished
            self.durationSeconds = durationSeconds
            self.addresses = addresses
            self.success = success
        }
    }

    /// What one recorded sweep changed, for the log.
    public struct Changes: Sendable, Equatable {
        /// Hosts never seen before (or seen before and forgotten).
        public var appeared: [DiscoveredHost] = []
        /// Hosts that had vanished and answered again.
        public var returned: [DiscoveredHost] = []
        /// Hosts that answered the sweep before and not this one.
        public var vanished: [DiscoveredHost] = []
        /// Hosts dropped: vanished longer than `keep_vanished`, or outside the networks now configured.
        public var forgotten: [DiscoveredHost] = []

        public init() {}
    }

    private struct State {
        var hosts: [IPAddress: DiscoveredHost] = [:]
        var lastSweep: SweepSummary?
    }

    private let state = Mutex(State())

    public init() {}

    /// Every host kept, IPv4 first, in address order.
    public var hosts: [DiscoveredHost] {
        state.withLock { Array($0.hosts.values) }.sorted { addressOrder($0.address, $1.address) }
    }

    /// The last sweep, nil before the first.
    public var lastSweep: SweepSummary? { state.withLock { $0.lastSweep } }

    /// Records a complete sweep of `networks`: `answered` hosts are up (new ones appear), hosts
    /// that were up and did not answer vanish, vanished hosts last seen more than `keepVanished`
    /// before `now` and hosts outside `networks` are forgotten. A MAC or name the sweep did not
    /// learn (`macs` lacks it, `names` says `.unknown`) keeps its previous value.
    public func record(answered: [IPAddress: Duration], macs: [IPAddress: MACAddress], names: [IPAddress: ReverseName],
                       networks: [IPNetwork], keepVanished: PrometheusDuration, summary: SweepSummary,
                       now: Double) -> Changes {
        state.withLock { state in
            var changes = Changes()
            for (address, rtt) in answered {
                var host = state.hosts[address] ?? DiscoveredHost(address: address, firstSeen: now, lastSeen: now)
                let wasKnown = state.hosts[address] != nil
                let wasUp = host.up && wasKnown
                host.up = true
                host.lastSeen = now
                host.rtt = rtt
                if let mac = macs[address] { host.mac = mac }
                switch names[address] ?? .unknown {
                case let .name(name): host.hostname = name
                case .none: host.hostname = nil
                case .unknown: break
                }
                state.hosts[address] = host
                if !wasKnown { changes.appeared.append(host) } else if !wasUp { changes.returned.append(host) }
            }
            for (address, host) in state.hosts where answered[address] == nil {
                if host.up {
                    state.hosts[address]?.up = false
                    changes.vanished.append(state.hosts[address]!)
                }
            }
            changes.forgotten = Self.expire(&state.hosts, networks: networks, keepVanished: keepVanished, now: now)
            // A host of a network no longer configured is forgotten, not reported as vanished.
            let forgotten = Set(changes.forgotten.map(\.address))
            changes.vanished.removeAll { forgotten.contains($0.address) }
            state.lastSweep = summary
            let inOrder: (DiscoveredHost, DiscoveredHost) -> Bool = { addressOrder($0.address, $1.address) }
            changes.appeared.sort(by: inOrder)
            changes.returned.sort(by: inOrder)
            changes.vanished.sort(by: inOrder)
            changes.forgotten.sort(by: inOrder)
            return changes
        }
    }

    /// Records a sweep that failed: nobody vanishes (a sweep that could not run says nothing about
    /// the hosts), but expiry still runs. Returns the hosts forgotten.
    public func recordFailure(networks: [IPNetwork], keepVanished: PrometheusDuration, summary: SweepSummary,
                              now: Double) -> [DiscoveredHost] {
        state.withLock { state in
            state.lastSweep = summary
            return Self.expire(&state.hosts, networks: networks, keepVanished: keepVanished, now: now)
                .sorted { addressOrder($0.address, $1.address) }
        }
    }

    /// Forgets everything (discovery was removed from the config).
    public func clear() {
        state.withLock { $0 = State() }
    }

    private static func expire(_ hosts: inout [IPAddress: DiscoveredHost], networks: [IPNetwork],
                               keepVanished: PrometheusDuration, now: Double) -> [DiscoveredHost] {
        var forgotten: [DiscoveredHost] = []
        for (address, host) in hosts {
            let outside = !networks.contains { $0.contains(address) }
            let expired = !host.up && now - host.lastSeen > keepVanished.seconds
            if outside || expired {
                forgotten.append(host)
                hosts[address] = nil
            }
        }
        return forgotten
    }
}
