import Glibc
import ServiceLifecycle
import Synchronization
import VandineCore

/// Limits of the ``SSHSessionPool``.
public struct SSHPoolLimits: Sendable, Equatable {
    /// Channels (commands and shells) open at once on one device. OpenSSH's `MaxSessions` is 10 by
    /// default; small routers allow fewer.
    public var channelsPerDevice: Int
    /// Sessions open at once over all devices; an idle one is closed to make room.
    public var maxSessions: Int
    /// A session with no channel for this long is closed.
    public var idleTimeout: Duration
    /// After a failed login, the device is not tried again for this long, doubling per failure up to ``maxBackoff``.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(channelsPerDevice: Int = 4, maxSessions: Int = 256, idleTimeout: Duration = .seconds(300),
                initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)) {
        self.channelsPerDevice = max(1, channelsPerDevice)
        self.maxSessions = max(1, maxSessions)
        self.idleTimeout = idleTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }
}

/// The real ``SSHExecutor``: one SSH session per device, kept open and reused (a warm exec costs
/// a few ms, a login tens), each session on a thread of its own (``SSHSession``).
///
/// - At most ``SSHPoolLimits/channelsPerDevice`` channels run at once per device; more callers
///   queue (FIFO) until one ends or their deadline passes.
/// - A failed login makes the device wait (1 s, 2 s, 4 s … up to 60 s) before the next attempt;
///   calls meanwhile fail at once with the last error.
/// - A warm session that died (the device rebooted, sshd restarted) is replaced on the next call:
///   a command that never reached the server is run once more on a fresh session.
/// - As a `Service`, it closes idle sessions and, at shutdown, every session.
public final class SSHSessionPool: SSHExecutor, Service, Sendable {
    public let limits: SSHPoolLimits
    /// The ssh-agent socket for devices with `use_agent: true`; nil: no agent.
    public let agentSocket: String?
    let metrics = SSHPoolMetrics()

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Result<Void, SSHError>, Never>
    }

    private struct Device {
        var session: SSHSession?
        var channelsInUse = 0
        var waiters: [Waiter] = []
        var failures = 0
        var retryAt: ContinuousClock.Instant?
        var lastError: SSHError?
        var failedEndpoint: SSHEndpoint?
    }

    private struct State {
        var devices: [String: Device] = [:]
        var nextWaiterID = 0
        var shutDown = false
    }

    private let state = Mutex(State())

    /// - Parameter agentSocket: the ssh-agent to offer to devices that allow it; by default the
    ///   process's `SSH_AUTH_SOCK` (none when unset or empty).
    public init(limits: SSHPoolLimits = SSHPoolLimits(), agentSocket: String? = SSHSessionPool.environmentAgentSocket) {
        self.limits = limits
        self.agentSocket = agentSocket
    }

    /// `SSH_AUTH_SOCK`, when set and not empty.
    public static var environmentAgentSocket: String? {
        guard let value = getenv("SSH_AUTH_SOCK"), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    // MARK: - SSHExecutor

    public func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
                     outputLimit: Int) async throws(SSHError) -> SSHExecResult {
        let started = ContinuousClock.now
        // A call that is already late must not cost the device its warm session.
        guard started < deadline else { throw SSHError(.timeout, "device \"\(endpoint.device)\": the deadline passed before the SSH command started") }
        defer { metrics.observeCommand(device: endpoint.device, seconds: Double(started.duration(to: .now) / .microseconds(1)) / 1e6) }
        try await acquireChannel(endpoint.device, deadline: deadline).get()
        defer { releaseChannel(endpoint.device) }
        let result: Result<SSHExecResult, SSHSessionFailure> = await onSession(endpoint, deadline: deadline) { continuation in
            SSHExecOperation(command: command, deadline: deadline, outputLimit: outputLimit, continuation: continuation)
        }
        return try result.mapError(\.error).get()
    }

    public func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                          deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel {
        guard ContinuousClock.now < deadline else { throw SSHError(.timeout, "device \"\(endpoint.device)\": the deadline passed before the SSH shell opened") }
        try await acquireChannel(endpoint.device, deadline: deadline).get()
        var opened: (SSHSession, SSHShellOperation)?
        let result: Result<Void, SSHSessionFailure> = await onSession(endpoint, deadline: deadline) { continuation, session in
            let operation = SSHShellOperation(columns: columns, rows: rows, deadline: deadline, continuation: continuation)
            opened = (session, operation)
            return operation
        }
        guard case .success = result, let (session, operation) = opened else {
            releaseChannel(endpoint.device)
            if case let .failure(failure) = result { throw failure.error }
            throw SSHError(.channel, "device \"\(endpoint.device)\": the shell channel did not open")
        }
        return SSHPooledShellChannel(session: session, operation: operation) { [self] in releaseChannel(endpoint.device) }
    }

    /// Runs one operation on the device's session, logging in first when there is none; retries
    /// once on a fresh session when a warm one turns out dead before the command went out.
    private func onSession<Value: Sendable>(
        _ endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
        _ make: (CheckedContinuation<Result<Value, SSHSessionFailure>, Never>, SSHSession) -> any SSHChannelOperation
    ) async -> Result<Value, SSHSessionFailure> {
        var retried = false
        while true {
            let session: SSHSession, isNew: Bool
            switch liveSession(for: endpoint) {
            case let .success(found): (session, isNew) = found
            case let .failure(error): return .failure(SSHSessionFailure(error: error, retryable: false))
            }
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, SSHSessionFailure>, Never>) in
                let operation = make(continuation, session)
                guard session.submit(operation) else {
                    return continuation.resume(returning: .failure(SSHSessionFailure(error: SSHError(.connect, "device \"\(endpoint.device)\": the SSH session closed"), retryable: true)))
                }
                if isNew, !session.start() {
                    forget(session)
                    session.failAll(SSHSessionFailure(error: SSHError(.connect, "device \"\(endpoint.device)\": cannot start a thread for the SSH session"), retryable: false))
                }
            }
            if case let .failure(failure) = result, failure.retryable, !retried, !isNew, ContinuousClock.now < deadline {
                // The session is going down by itself (it fails its work when its connection dies).
                retried = true
                forget(session)
                continue
            }
            return result
        }
    }

    private func onSession<Value: Sendable>(
        _ endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
        _ make: (CheckedContinuation<Result<Value, SSHSessionFailure>, Never>) -> any SSHChannelOperation
    ) async -> Result<Value, SSHSessionFailure> {
        await onSession(endpoint, deadline: deadline) { continuation, _ in make(continuation) }
    }

    // MARK: - Sessions

    /// The device's live session, or a new one (not started yet: the caller hands in its
    /// operation first, so the login always has someone waiting for it).
    private func liveSession(for endpoint: SSHEndpoint) -> Result<(SSHSession, Bool), SSHError> {
        var retire: [SSHSession] = []
        defer { for old in retire { old.close(immediately: false) } }
        return state.withLock { state -> Result<(SSHSession, Bool), SSHError> in
            guard !state.shutDown else { return .failure(SSHError(.connect, "device \"\(endpoint.device)\": the SSH pool is shut down")) }
            var device = state.devices[endpoint.device, default: Device()]
            defer { state.devices[endpoint.device] = device }
            if let session = device.session, session.phase != .closed {
                if session.endpoint == endpoint { return .success((session, false)) }
                // The config changed: the old session finishes its work, new work gets a new one.
                retire.append(session)
                device.session = nil
            }
            if let retryAt = device.retryAt, device.failedEndpoint == endpoint, ContinuousClock.now < retryAt, let error = device.lastError {
                let wait = Double(ContinuousClock.now.duration(to: retryAt) / .milliseconds(1)) / 1000
                return .failure(SSHError(error.kind, error.message + " (next login attempt in \(formatSeconds(wait)) s)"))
            }
            let open = state.devices.values.compactMap(\.session).filter { $0.phase != .closed }
            if open.count >= limits.maxSessions {
                // Idle: no caller holds a channel of its device (released before a call returns).
                let idle = state.devices.values.filter { $0.channelsInUse == 0 }.compactMap(\.session).filter { $0.phase != .closed }
                guard let oldest = idle.max(by: { $0.idleFor < $1.idleFor }), oldest.closeIfIdle() else {
                    return .failure(SSHError(.connect, "device \"\(endpoint.device)\": all \(limits.maxSessions) SSH sessions of the pool are busy"))
                }
                state.devices[oldest.device]?.session = nil
            }
            let session = SSHSession(endpoint: endpoint, agentSocket: agentSocket, hooks: hooks)
            device.session = session
            return .success((session, true))
        }
    }

    private var hooks: SSHSession.Hooks {
        SSHSession.Hooks(loggedIn: { [self] session, outcome in
            metrics.recordConnect(device: session.device, outcome: outcome)
            state.withLock { state in
                guard var device = state.devices[session.device] else { return }
                switch outcome {
                case .success:
                    device.failures = 0
                    device.retryAt = nil
                    device.lastError = nil
                case let .failure(error):
                    device.failures += 1
                    let backoff = min(limits.maxBackoff, limits.initialBackoff * (1 << min(device.failures - 1, 20)))
                    device.retryAt = .now + backoff
                    device.lastError = error
                    device.failedEndpoint = session.endpoint
                }
                state.devices[session.device] = device
            }
        }, closed: { [self] session in forget(session) })
    }

    /// Removes `session` from its device (it is closing or closed).
    private func forget(_ session: SSHSession) {
        state.withLock { state in
            if state.devices[session.device]?.session === session { state.devices[session.device]?.session = nil }
        }
    }

    // MARK: - Channel permits

    private func acquireChannel(_ device: String, deadline: ContinuousClock.Instant) async -> Result<Void, SSHError> {
        let limit = limits.channelsPerDevice
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, SSHError>, Never>) in
            state.withLock { state in
                guard !state.shutDown else { return continuation.resume(returning: .failure(SSHError(.connect, "device \"\(device)\": the SSH pool is shut down"))) }
                if state.devices[device, default: Device()].channelsInUse < limit {
                    state.devices[device, default: Device()].channelsInUse += 1
                    return continuation.resume(returning: .success(()))
                }
                let id = state.nextWaiterID
                state.nextWaiterID += 1
                state.devices[device]!.waiters.append(Waiter(id: id, continuation: continuation))
                // The wait is bounded by the deadline: a timer task (a sleep, no thread held).
                Task { [self] in
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    let waiter = self.state.withLock { state -> Waiter? in
                        guard let index = state.devices[device]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.devices[device]!.waiters.remove(at: index)
                    }
                    waiter?.continuation.resume(returning: .failure(SSHError(.timeout, "device \"\(device)\": no SSH channel became free before the deadline (\(limit) in use)")))
                }
            }
        }
    }

    /// Passes the channel to the next waiter, or frees it.
    private func releaseChannel(_ device: String) {
        let next = state.withLock { state -> Waiter? in
            guard var entry = state.devices[device] else { return nil }
            defer { state.devices[device] = entry }
            if !entry.waiters.isEmpty { return entry.waiters.removeFirst() }
            entry.channelsInUse -= 1
            return nil
        }
        next?.continuation.resume(returning: .success(()))
    }

    // MARK: - Service

    /// Closes idle sessions every second until shutdown; then closes every session.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            while !(state.withLock { $0.shutDown }) && !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                closeIdleSessions()
            }
        } onCancelOrGracefulShutdown: {
            self.shutdown()
        }
        shutdown()
    }

    /// Closes sessions idle for longer than the idle timeout.
    public func closeIdleSessions() {
        state.withLock { state in
            for (name, device) in state.devices where device.channelsInUse == 0 {
                guard let session = device.session, session.phase == .ready, session.idleFor >= limits.idleTimeout,
                      session.closeIfIdle() else { continue }
                state.devices[name]?.session = nil
            }
        }
    }

    /// Fails waiting callers and closes every session; later calls fail at once.
    public func shutdown() {
        let (sessions, waiters) = state.withLock { state -> ([SSHSession], [Waiter]) in
            state.shutDown = true
            var waiters: [Waiter] = []
            for key in state.devices.keys {
                waiters += state.devices[key]!.waiters
                state.devices[key]!.waiters = []
            }
            return (state.devices.values.compactMap(\.session), waiters)
        }
        for waiter in waiters { waiter.continuation.resume(returning: .failure(SSHError(.connect, "the SSH pool is shut down"))) }
        for session in sessions { session.close(immediately: true) }
    }

    // MARK: - Metrics

    /// `vandine_ssh_sessions{device,state}` (state: `connecting`, `idle`, `busy`),
    /// `vandine_ssh_connects_total{device,result}` and `vandine_ssh_command_duration_seconds{device}`.
    public func families() -> [MetricFamily] {
        var set = MetricSet()
        // Busy: a caller holds one of the device's channels (released before its call returns).
        let devices = state.withLock { state in state.devices.map { ($0.key, $0.value.session, $0.value.channelsInUse > 0) } }
        for (device, session, busy) in devices {
            var counts = ["connecting": 0, "idle": 0, "busy": 0]
            if let session {
                switch session.phase {
                case .connecting: counts["connecting"]! += 1
                case .ready: counts[busy ? "busy" : "idle"]! += 1
                case .closed: break
                }
            }
            for (name, count) in counts {
                set.gauge("vandine_ssh_sessions", Double(count), help: "SSH sessions of the pool by device and state.",
                          labels: ["device": device, "state": name])
            }
        }
        metrics.families(into: &set)
        return set.families
    }

    /// Successful or failed logins to `device` so far (`result`: `success`, `connect`, `host_key`,
    /// `authentication`, `timeout`).
    public func connects(device: String, result: String) -> Int {
        metrics.connects(device: device, result: result)
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    let tenths = (seconds * 10).rounded(.up) / 10
    return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
}
