import Synchronization
import VandineCore

/// The session pool's counters for the exporter's own `/metrics`:
/// `vandine_ssh_connects_total{device,result}` and `vandine_ssh_command_duration_seconds{device}`
/// (a histogram with Prometheus's default buckets). `vandine_ssh_sessions` is read from the live
/// sessions by ``SSHSessionPool/families()``.
final class SSHPoolMetrics: Sendable {
    /// Prometheus client libraries' default buckets (seconds).
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Durations {
        var bucketCounts = [Int](repeating: 0, count: SSHPoolMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var connects: [String: [String: Int]] = [:]
        var lastLogin: [String: Duration] = [:]
        var durations: [String: Durations] = [:]
    }

    private let state = Mutex(State())

    /// The `result` label of a login outcome: `success`, or the error's kind.
    static func result(_ outcome: Result<Duration, SSHError>) -> String {
        switch outcome {
        case .success: "success"
        case let .failure(error):
            switch error.kind {
            case .hostKey: "host_key"
            default: error.kind.rawValue
            }
        }
    }

    func recordConnect(device: String, outcome: Result<Duration, SSHError>) {
        state.withLock { state in
            state.connects[device, default: [:]][Self.result(outcome), default: 0] += 1
            if case let .success(took) = outcome { state.lastLogin[device] = took }
        }
    }

    /// How long the last successful login to `device` took (TCP connect to authenticated).
    func lastLogin(device: String) -> Duration? {
        state.withLock { $0.lastLogin[device] }
    }

    func observeCommand(device: String, seconds: Double) {
        state.withLock { state in
            var entry = state.durations[device, default: Durations()]
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { entry.bucketCounts[index] += 1 }
            entry.sum += seconds
            entry.count += 1
            state.durations[device] = entry
        }
    }

    /// Logins so far for `device` with `result` (tests and the status page).
    func connects(device: String, result: String) -> Int {
        state.withLock { $0.connects[device]?[result] ?? 0 }
    }

    func families(into set: inout MetricSet) {
        let snapshot = state.withLock { $0 }
        for (device, results) in snapshot.connects {
            for (result, count) in results {
                set.counter("vandine_ssh_connects_total", Double(count), help: "SSH logins (TCP connect, key exchange, host key check, authentication) by device and result.",
                            labels: ["device": device, "result": result])
            }
        }
        for (device, entry) in snapshot.durations {
            set.add(.histogram("vandine_ssh_command_duration_seconds", help: "How long SSH commands took on the pool, waiting for a channel and a login included.",
                               buckets: Array(zip(Self.buckets, entry.bucketCounts.map(Double.init))),
                               sum: entry.sum, count: Double(entry.count), labels: ["device": device]))
        }
    }
}
