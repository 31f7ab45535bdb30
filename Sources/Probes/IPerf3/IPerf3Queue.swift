import ServiceLifecycle
import VandineCore

/// The iperf3 runs of the process, one lane per server (`host:port`).
///
/// An iperf3 server runs one test at a time and a test floods the link, so:
/// - runs to the same server are serialized: a run starts only when the lane's previous run has
///   finished;
/// - a probe whose command equals a run queued or in progress on its lane joins that run instead
///   of adding one (10 concurrent `/probe` for one server and module give ONE run);
/// - iperf3's "the server is busy running a test" (another client) is retried with backoff
///   (250 ms, doubling up to 2 s) while the deadline still leaves room for the whole test, then
///   reported;
/// - the first run to each server after start-up waits `offset = FNV-1a(server) mod
///   startupStagger` after the queue was made (at most half the time its deadline leaves besides
///   the test), so
///   N devices that Prometheus scrapes together right after a restart do not all test at once.
///
/// Result caching (`interval:` on the module) is the probe handler's ``ProbeCache``; this queue
/// only decides when a run happens. It is a `Service`: at shutdown every run still queued or in
/// progress is cancelled, which kills its child.
public actor IPerf3Queue: Service {
    /// One finished run (possibly shared by several probes).
    public struct Run: Sendable {
        public var result: Result<IPerf3Report, IPerf3Failure>
        /// Lines for the probe log: retries, stagger waits.
        public var notes: [String]
        /// Child processes started for it (busy retries start more than one).
        public var attempts: Int
    }

    private struct Pending {
        let id: UInt64
        let task: Task<Run, Never>
    }

    private struct Lane {
        var tail: Task<Run, Never>?
        var pending: [String: Pending] = [:]
    }

    let runner: any CommandRunner
    /// Spread of the first runs after start-up; zero turns staggering off.
    public let startupStagger: Duration
    private let createdAt = ContinuousClock.now
    private var lanes: [String: Lane] = [:]
    private var seenServers: Set<String> = []
    private var nextID: UInt64 = 0
    private var started = 0
    private var stopped = false

    /// First backoff after a busy server; doubles up to ``maximumBackoff``.
    public static let firstBackoff = Duration.milliseconds(250)
    public static let maximumBackoff = Duration.seconds(2)
    /// The longest iperf3 may spend connecting.
    public static let maximumConnectTimeout = Duration.seconds(3)
    /// Left between the end of a stagger wait and the latest instant the test can still start.
    static let staggerMargin = Duration.milliseconds(100)
    /// Servers remembered for staggering; past this, staggering stops for new servers.
    static let maximumSeenServers = 4096

    public init(runner: any CommandRunner = ChildProcessRunner(), startupStagger: Duration = .seconds(10)) {
        self.runner = runner
        self.startupStagger = startupStagger
    }

    /// iperf3 child processes started so far (a joined probe starts none).
    public var runsStarted: Int { started }

    /// Runs `command` on its server's lane, or joins an equal run queued or in progress there.
    /// `joined` says whether the result is another probe's run.
    public func run(_ command: IPerf3Command, deadline: ContinuousClock.Instant) async -> (run: Run, joined: Bool) {
        let server = command.server
        let key = command.coalescingKey
        if let pending = lanes[server]?.pending[key] {
            return (await pending.task.value, true)
        }
        guard !stopped else {
            return (Run(result: .failure(.other("the exporter is shutting down")), notes: [], attempts: 0), false)
        }
        nextID += 1
        let id = nextID
        let previous = lanes[server]?.tail
        let task = Task {
            _ = await previous?.value
            let run = await self.execute(command, deadline: deadline)
            self.finished(server: server, key: key, id: id)
            return run
        }
        lanes[server, default: Lane()].pending[key] = Pending(id: id, task: task)
        lanes[server]?.tail = task
        return (await task.value, false)
    }

    private func finished(server: String, key: String, id: UInt64) {
        guard lanes[server]?.pending[key]?.id == id else { return }
        lanes[server]?.pending[key] = nil
        if lanes[server]?.pending.isEmpty == true { lanes[server] = nil }
    }

    /// How long the first run to `server` waits after start-up (zero for later runs).
    func staggerDelay(server: String, deadline: ContinuousClock.Instant, runTime: Duration) -> Duration {
        guard startupStagger > .zero, !seenServers.contains(server) else { return .zero }
        if seenServers.count < Self.maximumSeenServers { seenServers.insert(server) }
        let now = ContinuousClock.now
        let offset = Self.staggerOffset(server: server, window: startupStagger)
        let wait = createdAt + offset - now
        // At most half the time the deadline leaves besides the test: a late wake-up on a loaded
        // machine must not cost the test its start.
        let slack = (deadline - now - runTime - Self.staggerMargin) / 2
        return max(.zero, min(wait, slack))
    }

    /// FNV-1a of the server's name, modulo the window, in milliseconds: stable, and different
    /// servers get different offsets.
    static func staggerOffset(server: String, window: Duration) -> Duration {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in server.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let windowMilliseconds = UInt64(max(1, window.wholeMilliseconds))
        return .milliseconds(Int64(hash % windowMilliseconds))
    }

    private func countStart() { started += 1 }

    /// One run: the stagger wait, then attempts until a report, a failure other than "busy", or
    /// no time left for another whole test.
    private func execute(_ command: IPerf3Command, deadline: ContinuousClock.Instant) async -> Run {
        let runTime = command.options.runTime.duration
        let testTime = runTime - IPerf3Options.setupAllowance.duration
        var notes: [String] = []
        let delay = staggerDelay(server: command.server, deadline: deadline, runTime: runTime)
        if delay > .zero {
            notes.append("first run to \(command.server) since start-up: staggered by \(delay.inSeconds.formatted(decimals: 3))s")
            do { try await Task.sleep(for: delay) } catch {
                return Run(result: .failure(.other("cancelled while staggered")), notes: notes, attempts: 0)
            }
        }
        var attempts = 0
        var backoff = Self.firstBackoff
        var lastBusy: String?
        while true {
            let left = deadline - .now
            // The load check accepts a timeout equal to the run time; by the time a probe gets
            // here a few milliseconds of it are gone, which must not fail every probe. The 1 s of
            // setup in `runTime` is slack enough for them.
            guard left + Self.fitTolerance >= runTime else {
                if let lastBusy {
                    return Run(result: .failure(.busy(Self.stillBusy(lastBusy, attempts: attempts))), notes: notes, attempts: attempts)
                }
                return Run(result: .failure(.other("no time left for the test: \(left.inSeconds.formatted(decimals: 3))s to the deadline, the test needs \(command.options.runTime)")),
                           notes: notes, attempts: attempts)
            }
            attempts += 1
            countStart()
            let arguments = command.arguments(connectTimeout: min(Self.maximumConnectTimeout, left - testTime))
            notes.append("running \(command.binary) \(arguments.joined(separator: " "))")
            let outcome = await runner.run(command.binary, arguments, deadline: deadline)
            let result = Self.interpret(outcome, binary: command.binary)
            guard case let .failure(.busy(text)) = result else {
                return Run(result: result, notes: notes, attempts: attempts)
            }
            lastBusy = text
            guard ContinuousClock.now + backoff + runTime <= deadline else {
                return Run(result: .failure(.busy(Self.stillBusy(text, attempts: attempts))), notes: notes, attempts: attempts)
            }
            notes.append("\(command.server) is busy with another test: retrying in \(backoff.inSeconds.formatted(decimals: 3))s")
            do { try await Task.sleep(for: backoff) } catch {
                return Run(result: .failure(.other("cancelled while waiting for a busy server")), notes: notes, attempts: attempts)
            }
            backoff = min(backoff * 2, Self.maximumBackoff)
        }
    }

    static func stillBusy(_ text: String, attempts: Int) -> String {
        "\(text) (still busy after \(attempts) attempt\(attempts == 1 ? "" : "s"), no time left to retry)"
    }

    /// A child's outcome as a report or a one-sentence failure.
    static func interpret(_ outcome: CommandOutcome, binary: String) -> Result<IPerf3Report, IPerf3Failure> {
        let seconds = outcome.elapsed.inSeconds.formatted(decimals: 3)
        switch outcome.termination {
        case let .notStarted(reason):
            return .failure(.other("cannot run iperf3: \(reason) (install the iperf3 package or set the module's iperf3.binary)"))
        case .killedAtDeadline:
            return .failure(.other("iperf3 was killed at the probe's deadline after \(seconds)s"))
        case .cancelled:
            return .failure(.other("iperf3 was killed: the probe was cancelled after \(seconds)s"))
        case .outputTooLarge:
            return .failure(.other("iperf3 was killed: it wrote more than \(ChildProcessRunner.maximumOutputBytes) bytes"))
        case let .signaled(signal):
            return .failure(.other("iperf3 was killed by signal \(signal) after \(seconds)s"))
        case let .exited(status):
            let parsed = IPerf3Report.parse(outcome.stdout)
            if case let .failure(.other(reason)) = parsed, status != 0 {
                let stderr = String(decoding: outcome.stderr.prefix(300), as: UTF8.self)
                    .split(whereSeparator: \.isNewline).joined(separator: " ")
                return .failure(.other(stderr.isEmpty ? "iperf3 exited with status \(status): \(reason)" : "iperf3 exited with status \(status): \(stderr)"))
            }
            return parsed
        }
    }

    // MARK: - Service

    /// How much short of `runTime` the time left may be (see where it is used).
    static let fitTolerance = Duration.milliseconds(100)

    /// Waits for graceful shutdown, then kills every child still running (synchronously: a task
    /// cancellation alone reaches the reading thread only at its next poll, after the process may
    /// have exited and left the child behind) and cancels every run queued or in progress.
    public func run() async throws {
        try? await gracefulShutdown()
        stopped = true
        ChildProcess.killAll()
        for lane in lanes.values {
            for pending in lane.pending.values { pending.task.cancel() }
        }
    }
}
