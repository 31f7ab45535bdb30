/// The sweep's rate bound: ``wait()`` returns no sooner than one spacing (1/rate) after the
/// previous call returned, so no two packets ever leave closer together than that — in any
/// window of `w` seconds at most `rate × w + 1` are sent, catch-up bursts included (there are
/// none: a late wake-up delays every later packet instead). Sleeps with `Task.sleep`, which
/// suspends without holding a thread.
struct PacketPacer {
    /// Time between two packets.
    let spacing: Duration
    private var last: ContinuousClock.Instant?

    /// - Parameter packetsPerSecond: at least 1.
    init(packetsPerSecond: Int) {
        precondition(packetsPerSecond > 0, "the packet rate must be positive")
        // Rounded up, so the rate is never exceeded by a rounding error.
        spacing = .nanoseconds((1_000_000_000 + Int64(packetsPerSecond) - 1) / Int64(packetsPerSecond))
    }

    /// Waits for the next slot. Throws `CancellationError` when the task is cancelled.
    mutating func wait() async throws {
        if let last {
            let next = last + spacing
            if ContinuousClock.now < next { try await Task.sleep(until: next, tolerance: .zero, clock: .continuous) }
        }
        try Task.checkCancellation()
        last = .now
    }
}
