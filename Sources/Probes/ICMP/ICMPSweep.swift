import Synchronization

/// Pings many destinations together, the way fping does: round k's requests go to every
/// destination back to back at `start + k × interval`, all from the engine's thread, and the sweep
/// ends when every request has its reply or at the deadline. No task, timer or sleep per
/// destination: a 1,024-target sweep costs one engine timer per round (per request with
/// `spacing`, which bounds the packet rate).
///
/// Used by `vandine-exporter probe` for an icmp module with several targets, and by anything else
/// that pings a list at once.
public enum ICMPSweep {
    /// One destination's outcome.
    public struct Result: Sendable {
        public var destination: ICMPDestination
        /// Requests sent; 0 with `error` set when none could be.
        public var sent: Int
        /// Round-trip times of the answered requests, in seconds, in arrival order.
        public var rtts: [Double]
        public var duplicates: Int
        /// The latest reply's TTL / hop limit.
        public var hopLimit: Int?
        /// Why the session could not be opened or the first request not sent.
        public var error: String?

        /// 0–1; 1 when nothing was sent.
        public var lossRatio: Double { sent == 0 ? 1 : 1 - Double(rtts.count) / Double(sent) }
    }

    /// Sweeps `destinations` with `packets` requests each, `interval` apart (seconds), until every
    /// request is answered or `deadline`. With `spacing`, consecutive requests of a round are that
    /// far apart instead of back to back (rate limit: one request per `spacing`).
    public static func run(engine: any ICMPEchoing, destinations: [ICMPDestination], options: EchoOptions,
                           packets: Int, interval: Duration, spacing: Duration = .zero,
                           deadline: ContinuousClock.Instant) async -> [Result] {
        let collectors = destinations.map { _ in ReplyCollector(planned: max(1, packets)) }
        var opened: [(any EchoSession)?] = []
        var errors = [String?](repeating: nil, count: destinations.count)
        opened.reserveCapacity(destinations.count)
        for (index, destination) in destinations.enumerated() {
            let collector = collectors[index]
            do throws(ICMPError) {
                opened.append(try engine.openSession(to: destination, options: options) { collector.record($0) })
            } catch {
                opened.append(nil)
                errors[index] = error.description
                for _ in 0..<max(1, packets) { collector.recordAttempt(sent: false) }
            }
        }
        let sessions = opened
        let failures = SweepErrors(count: destinations.count)
        let start = ContinuousClock.now
        for round in 0..<max(1, packets) {
            let roundStart = start + interval * round
            if spacing == .zero {
                guard roundStart < deadline else {
                    for collector in collectors { collector.recordAttempt(sent: false) }
                    continue
                }
                engine.schedule(at: roundStart) {
                    for index in sessions.indices { send(sessions[index], collectors[index], index: index, failures: failures) }
                }
            } else {
                for index in sessions.indices {
                    let due = roundStart + spacing * index
                    guard due < deadline else {
                        collectors[index].recordAttempt(sent: false)
                        continue
                    }
                    engine.schedule(at: due) { send(sessions[index], collectors[index], index: index, failures: failures) }
                }
            }
        }
        let deadlineWake = engine.schedule(at: deadline) { for collector in collectors { collector.wake() } }
        for collector in collectors { await collector.waitForReplies() }
        engine.cancel(deadlineWake)
        for session in sessions { session?.close() }
        return destinations.indices.map { index in
            let tally = collectors[index].tally
            return Result(destination: destinations[index], sent: tally.sent, rtts: tally.rtts, duplicates: tally.duplicates,
                          hopLimit: tally.hopLimit, error: errors[index] ?? (tally.sent == 0 ? failures.first(index) : nil))
        }
    }

    private static func send(_ session: (any EchoSession)?, _ collector: ReplyCollector, index: Int, failures: SweepErrors) {
        guard let session, !collector.isFinished else { return }
        do throws(ICMPError) {
            try session.send()
            collector.recordAttempt(sent: true)
        } catch {
            failures.record(index, error.description)
            collector.recordAttempt(sent: false)
        }
    }
}

/// The first send error of each destination, recorded from the engine's thread.
private final class SweepErrors: Sendable {
    private let errors: Mutex<[Int: String]>

    init(count: Int) { errors = Mutex([:]) }

    func record(_ index: Int, _ message: String) {
        errors.withLock { if $0[index] == nil { $0[index] = message } }
    }

    func first(_ index: Int) -> String? { errors.withLock { $0[index] } }
}
