/// The sweep's rate bound, as a generic cell rate algorithm (a token bucket without a timer):
/// packets leave at `rate` per second on average, and a late wake-up (a busy machine) may be caught
/// up in a burst of at most ``burst`` packets. In any window of `w` seconds at most
/// `rate × w + burst` packets leave — measured on the times they actually leave, since the
/// schedule is advanced from the real send time. Sleeps with `Task.sleep`, which suspends without
/// holding a thread.
struct PacketPacer {
    /// Time between two packets at the steady rate (1/rate, rounded up).
    let spacing: Duration
    /// Most packets that may leave back to back.
    let burst: Int
    /// The theoretical time of the next packet at the steady rate; nil before the first.
    private var nextAtRate: ContinuousClock.Instant?

    /// `burst` defaults to 50 ms worth of packets, at least 2 (so one late wake-up is absorbed).
    init(packetsPerSecond: Int, burst: Int? = nil) {
        precondition(packetsPerSecond > 0, "the packet rate must be positive")
        // Rounded up, so the rate is never exceeded by a rounding error.
        spacing = .nanoseconds((1_000_000_000 + Int64(packetsPerSecond) - 1) / Int64(packetsPerSecond))
        self.burst = max(1, burst ?? max(2, packetsPerSecond / 20))
    }

    /// The earliest instant the next packet may leave; nil when it may leave now whatever the time.
    var earliest: ContinuousClock.Instant? {
        nextAtRate.map { $0 - spacing * (burst - 1) }
    }

    /// Records that a packet left at `instant`.
    mutating func sent(at instant: ContinuousClock.Instant) {
        nextAtRate = max(nextAtRate ?? instant, instant) + spacing
    }

    /// Waits for the next slot and takes it. Throws `CancellationError` when the task is cancelled.
    mutating func wait() async throws {
        if let earliest, ContinuousClock.now < earliest {
            try await Task.sleep(until: earliest, tolerance: .zero, clock: .continuous)
        }
        try Task.checkCancellation()
        sent(at: .now)
    }
}
