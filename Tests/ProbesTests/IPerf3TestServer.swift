import Foundation
import Synchronization
import Glibc
import TestSupport
@testable import Probes

/// A real `iperf3 -s -B 127.0.0.1 -p <free port>`, started with posix_spawn (empty signal mask, own
/// process group) and stopped with SIGKILL; its output goes to a log file.
final class IPerf3TestServer: Sendable {
    let port: Int
    let pid: pid_t
    let logPath: String

    init() throws {
        port = try freeLoopbackPort()
        logPath = "/tmp/vandine-iperf3-server-\(port)-\(getpid()).log"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IPerf3TestError("cannot open \(logPath)") }
        defer { close(fd) }
        switch ChildProcess.spawn("iperf3", ["-s", "-B", "127.0.0.1", "-p", String(port)], stdout: fd, stderr: fd) {
        case let .success(child): pid = child
        case let .failure(failure): throw IPerf3TestError("cannot start iperf3 -s: \(failure.reason)")
        }
        // Ready once the kernel shows its listening socket: no connection that the server would
        // count as a (failed) test.
        for _ in 0..<500 {
            if Self.listening(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw IPerf3TestError("iperf3 -s exited: \(log)") }
            usleep(10_000)
        }
        stop()
        throw IPerf3TestError("iperf3 -s did not listen on 127.0.0.1:\(port) within 5 s")
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(logPath)
    }

    /// Whether /proc/net/tcp shows a listener on 127.0.0.1:`port`.
    static func listening(port: Int) -> Bool {
        tcpEntries().contains { $0.local == port && $0.state == "0A" }
    }

    /// Established connections whose remote end is `port` (clients of the server).
    static func clientConnections(to port: Int) -> Int {
        tcpEntries().filter { $0.remote == port && $0.state == "01" }.count
    }

    static func tcpEntries() -> [(local: Int, remote: Int, state: String)] {
        let text = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 3,
                  let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { return nil }
            return (local, remote, String(fields[3]))
        }
    }
}

struct IPerf3TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A ``CommandRunner`` that counts the runs it passes on to another runner.
final class CountingRunner: CommandRunner {
    let inner: any CommandRunner
    private let count = Mutex(0)

    init(_ inner: any CommandRunner = ChildProcessRunner()) { self.inner = inner }

    var runs: Int { count.withLock { $0 } }

    func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant) async -> CommandOutcome {
        count.withLock { $0 += 1 }
        return await inner.run(executable, arguments, deadline: deadline)
    }
}

/// A ``CommandRunner`` that answers with canned outcomes, in order (the last one repeats).
final class ScriptedRunner: CommandRunner {
    private let outcomes: Mutex<[CommandOutcome]>
    private let delay: Duration
    private let started = Mutex<[ContinuousClock.Instant]>([])

    init(_ outcomes: [CommandOutcome], delay: Duration = .zero) {
        self.outcomes = Mutex(outcomes)
        self.delay = delay
    }

    var startTimes: [ContinuousClock.Instant] { started.withLock { $0 } }

    func run(_ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant) async -> CommandOutcome {
        started.withLock { $0.append(.now) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return outcomes.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
    }
}

/// iperf3 processes that are children of this test process and still alive (not zombies).
func liveIPerf3Children() -> [Int32] {
    let me = getpid()
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var found: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = Int32(name),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let command = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard command == "iperf3", fields.count > 2, fields[0] != "Z", Int32(fields[1]) == me else { continue }
        found.append(pid)
    }
    return found
}

/// Processes (not zombies) in process group `group`.
func liveProcesses(inGroup group: Int32) -> [Int32] {
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var found: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = Int32(name),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 3, fields[0] != "Z", Int32(fields[2]) == group else { continue }
        found.append(pid)
    }
    return found
}
