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

    init() async throws {
        // Another test may take the same "free" port between our probe for it and iperf3's bind:
        // a server that cannot bind exits, and we try another port.
        var lastError = IPerf3TestError("iperf3 -s did not start")
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let logPath = "/tmp/vandine-iperf3-server-\(port)-\(getpid()).log"
            do {
                pid = try await Self.start(port: port, logPath: logPath)
                self.port = port
                self.logPath = logPath
                return
            } catch let error as IPerf3TestError {
                lastError = error
                unlink(logPath)
            }
        }
        throw lastError
    }

    /// Starts the server and waits until the kernel shows ITS listening socket (no connection
    /// that the server would count as a failed test).
    private static func start(port: Int, logPath: String) async throws -> pid_t {
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IPerf3TestError("cannot open \(logPath)") }
        let pid: pid_t
        switch ChildProcess.spawn("iperf3", ["-s", "-B", "127.0.0.1", "-p", String(port)], stdout: fd, stderr: fd) {
        case let .success(child): pid = child
        case let .failure(failure):
            close(fd)
            throw IPerf3TestError("cannot start iperf3 -s: \(failure.reason)")
        }
        close(fd)
        for _ in 0..<500 {
            if listening(port: port, pid: pid) { return pid }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw IPerf3TestError("iperf3 -s exited: \(readProcFile(logPath))") }
            // Not usleep: a test must not hold one of the two cooperative threads while it waits.
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
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

    /// Whether /proc/net/tcp shows a listener on 127.0.0.1:`port` that belongs to process `pid`.
    static func listening(port: Int, pid: pid_t) -> Bool {
        var inodes: Set<String> = []
        if let directory = opendir("/proc/\(pid)/fd") {
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                var target = [CChar](repeating: 0, count: 256)
                let count = readlink("/proc/\(pid)/fd/\(name)", &target, 255)
                guard count > 0 else { continue }
                let link = String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasPrefix("socket:[") { inodes.insert(String(link.dropFirst(8).dropLast())) }
            }
        }
        return tcpEntries().contains { $0.local == port && $0.state == "0A" && inodes.contains($0.inode) }
    }

    /// Waits (up to 3 s) until a client's test is running: its control and data connections are
    /// established.
    static func waitForClient(of port: Int) async throws {
        var waited = 0
        while clientConnections(to: port) < 2 && waited < 300 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
    }

    /// Established connections whose remote end is `port` (clients of the server).
    static func clientConnections(to port: Int) -> Int {
        tcpEntries().filter { $0.remote == port && $0.state == "01" }.count
    }

    static func tcpEntries() -> [(local: Int, remote: Int, state: String, inode: String)] {
        let text = readProcFile("/proc/net/tcp")
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9,
                  let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { return nil }
            return (local, remote, String(fields[3]), String(fields[9]))
        }
    }
}

/// A /proc file read to its end (Foundation's readers may stop after the first page of a file
/// whose size the kernel reports as 0).
func readProcFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
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

/// iperf3 processes that are children of this test process, still alive (not zombies), whose
/// command line names `port`.
func liveIPerf3Children(port: Int) -> [Int32] {
    let me = getpid()
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var found: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = Int32(name),
              case let stat = readProcFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        let command = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard command == "iperf3", fields.count > 2, fields[0] != "Z", Int32(fields[1]) == me,
              readProcFile("/proc/\(pid)/cmdline").split(separator: "\0").contains(Substring(String(port))) else { continue }
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
              case let stat = readProcFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 3, fields[0] != "Z", Int32(fields[2]) == group else { continue }
        found.append(pid)
    }
    return found
}
