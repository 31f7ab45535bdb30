import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The session pool's deadlines, reconnects, concurrency and latency against a real sshd.
/// Serialized: these measure time, and the other SSH tests' logins would share the 2 cores.
@Suite(.serialized) struct SSHPoolResilienceTests {
    /// Slack on top of a deadline for a loaded 2-core machine: alone these tests overshoot by
    /// < 50 ms; with the whole test target running in parallel (and other builds on the machine)
    /// the caller's task once resumed 650 ms late.
    static let margin = Duration.seconds(1)

    @Test func aListenerThatNeverSendsABannerTimesOutOnTime() async throws {
        let listener = try SilentListener()
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = SSHEndpoint(device: "mute", host: "127.0.0.1",
                                   settings: SSHSettings(user: "root", port: listener.port, insecureIgnoreHostKey: true))
        let start = ContinuousClock.now
        let error = try #require(await sshError { _ = try await run(pool, "true", on: endpoint, seconds: 1) })
        let elapsed = start.duration(to: .now)
        #expect(error.kind == .timeout)
        #expect(error.message.contains("device \"mute\"") && error.message.contains("banner and key exchange"), "\(error.message)")
        #expect(elapsed >= .milliseconds(990) && elapsed <= .seconds(1) + Self.margin, "took \(elapsed)")
        #expect(pool.connects(device: "mute", result: "timeout") == 1)
        // Backoff: the next call within a second fails at once with the same reason.
        let again = try #require(await sshError { _ = try await run(pool, "true", on: endpoint, seconds: 1) })
        #expect(again.message.contains("next login attempt in"))
    }

    @Test func stalledLoginsDoNotHoldTheCooperativePool() async throws {
        // Eight devices whose servers never send a banner: four times as many stalled logins as
        // cooperative threads. If each held a thread for its 1 s deadline they would take 4 s or
        // more; on threads of their own they all end together after about 1 s.
        let listeners = try (0..<8).map { _ in try SilentListener() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for (index, listener) in listeners.enumerated() {
                let endpoint = SSHEndpoint(device: "stall-\(index)", host: "127.0.0.1",
                                           settings: SSHSettings(user: "root", port: listener.port, insecureIgnoreHostKey: true))
                group.addTask { _ = await sshError { _ = try await run(pool, "true", on: endpoint, seconds: 1) } }
            }
        }
        let elapsed = start.duration(to: .now)
        #expect(elapsed < .seconds(1) + Self.margin, "8 stalled logins took \(elapsed)")
        for index in 0..<8 { #expect(pool.connects(device: "stall-\(index)", result: "timeout") == 1) }
    }

    @Test func aHangingCommandIsKilledAtTheDeadlineAndTheNextExecWorks() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        // Not root: OpenSSH 9.2 refuses "signal" requests on root sessions ("session signalling
        // requires privilege separation"), so there only the closed connection ends the command.
        let endpoint = try server.endpoint(device: "hang") { $0.user = SSHTestServer.busyboxUser }
        _ = try await run(pool, "true", on: endpoint) // warm
        let start = ContinuousClock.now
        let error = try #require(await sshError { _ = try await run(pool, "sleep 47.25", on: endpoint, seconds: 1) })
        let elapsed = start.duration(to: .now)
        #expect(error.kind == .timeout && error.message.contains("device \"hang\""))
        #expect(elapsed <= .seconds(1) + Self.margin, "took \(elapsed)")
        // The remote command is gone (SIGKILL over the channel, then the connection closed).
        var running = true
        for _ in 0..<50 where running {
            running = try await Command.runOffPool("/usr/bin/pgrep", ["-f", "sleep 47.25"]).status == 0
            if running { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!running, "sleep 47.25 still runs on the server: \(server.log.suffix(1500))")
        let next = try await run(pool, "echo next", on: endpoint)
        #expect(next.output == "next\n")
        #expect(pool.connects(device: "hang", result: "success") == 2, "the timed-out session was dropped")
    }

    @Test func aWarmPoolReconnectsAfterSshdRestarts() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint(device: "restart")
        #expect(try await run(pool, "echo before", on: endpoint).output == "before\n")
        try await server.restart()
        // Whether the pool saw the connection die first or finds out on the channel open, the
        // command runs on a fresh session.
        #expect(try await run(pool, "echo after", on: endpoint).output == "after\n")
        #expect(pool.connects(device: "restart", result: "success") == 2)
    }

    @Test func twentyConcurrentExecsShareOneSessionWithBoundedChannels() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let channels = 4
        let pool = SSHSessionPool(limits: SSHPoolLimits(channelsPerDevice: channels))
        defer { pool.shutdown() }
        let endpoint = try server.endpoint(device: "busy")
        // Each command marks itself running, records how many are running, and stays 200 ms.
        let marks = server.directory + "/running"
        try FileManager.default.createDirectory(atPath: marks, withIntermediateDirectories: true)
        let command = "touch \(marks)/$$; ls \(marks) | wc -l >> \(server.directory)/counts; sleep 0.2; rm \(marks)/$$; echo done"
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await run(pool, command, on: endpoint, seconds: 30).output } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs == Array(repeating: "done\n", count: 20))
        let counts = try String(contentsOfFile: server.directory + "/counts", encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(counts.count == 20)
        #expect(counts.max()! <= channels, "at most \(channels) commands at once: \(counts)")
        #expect(counts.max()! >= 2, "commands did run in parallel: \(counts)")
        #expect(pool.connects(device: "busy", result: "success") == 1)
        #expect(server.acceptedLogins == 1, "one login at sshd")
    }

    @Test func moreChannelsThanTheServerAllowsWaitInsteadOfFailing() async throws {
        let server = try await SSHTestServer(.init(maxSessions: 2))
        defer { server.remove() }
        let pool = SSHSessionPool(limits: SSHPoolLimits(channelsPerDevice: 2))
        defer { pool.shutdown() }
        let endpoint = try server.endpoint(device: "small")
        let outputs = await withTaskGroup(of: String.self) { group in
            for index in 0..<6 {
                group.addTask {
                    do { return try await run(pool, "sleep 0.1; echo \(index)", on: endpoint).output } catch { return "\(error)" }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.sorted() == (0..<6).map { "\($0)\n" }, "sshd: \(server.log.suffix(2000))")
    }

    @Test func aWaitForAChannelEndsAtTheDeadline() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool(limits: SSHPoolLimits(channelsPerDevice: 1))
        defer { pool.shutdown() }
        let endpoint = try server.endpoint(device: "one")
        _ = try await run(pool, "true", on: endpoint)
        async let long = run(pool, "sleep 1.5; echo long", on: endpoint)
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        let error = try #require(await sshError { _ = try await run(pool, "true", on: endpoint, seconds: 0.3) })
        #expect(error.kind == .timeout && error.message.contains("no SSH channel became free"))
        #expect(start.duration(to: .now) <= .milliseconds(300) + Self.margin)
        #expect(try await long.output == "long\n", "the waiting caller's timeout did not disturb the running command")
    }

    /// Figures for the report: login (TCP + kex + auth), first exec, warm exec p50.
    @Test func warmExecIsFasterThanAFreshLogin() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        // busybox ash as login shell: no ~/.bashrc in the measurement.
        let endpoint = try server.endpoint(device: "latency") { $0.user = SSHTestServer.busyboxUser }
        let firstStart = ContinuousClock.now
        _ = try await run(pool, "true", on: endpoint)
        let first = firstStart.duration(to: .now)
        var warm: [Duration] = []
        for _ in 0..<30 {
            let start = ContinuousClock.now
            _ = try await run(pool, "true", on: endpoint)
            warm.append(start.duration(to: .now))
        }
        warm.sort()
        let p50 = warm[warm.count / 2]
        var login = Duration.zero
        for _ in 0..<5 {
            let fresh = SSHSessionPool()
            let start = ContinuousClock.now
            _ = try await run(fresh, "true", on: endpoint)
            login += start.duration(to: .now)
            fresh.shutdown()
        }
        let connectAndAuth = try #require(pool.metrics.lastLogin(device: "latency"))
        print("ssh figures: login (TCP + kex + auth) \(connectAndAuth), first exec (login + exec) \(first), fresh login + exec mean \(login / 5), warm exec p50 \(p50), p90 \(warm[warm.count * 9 / 10])")
        #expect(connectAndAuth < first)
        #expect(p50 * 3 < first, "warm \(p50) vs first \(first)")
        #expect(pool.connects(device: "latency", result: "success") == 1)
    }
}

/// The pool's bound on sessions over all devices.
@Suite struct SSHPoolSessionLimitTests {
    @Test func anIdleSessionMakesRoomAndBusyOnesAreNeverClosed() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool(limits: SSHPoolLimits(maxSessions: 1))
        defer { pool.shutdown() }
        let first = try server.endpoint(device: "first")
        let second = try server.endpoint(device: "second")
        #expect(try await run(pool, "echo 1", on: first).output == "1\n")
        // "first" is idle: its session is closed to make room.
        #expect(try await run(pool, "echo 2", on: second).output == "2\n")
        #expect(try await run(pool, "echo 3", on: first).output == "3\n")
        #expect(pool.connects(device: "first", result: "success") == 2)
        #expect(pool.connects(device: "second", result: "success") == 1)
        // "first" busy: "second" cannot have a session now, and "first"'s command is not disturbed.
        async let busy = run(pool, "sleep 0.6; echo busy", on: first)
        try await Task.sleep(for: .milliseconds(300))
        let error = try #require(await sshError { _ = try await run(pool, "true", on: second) })
        #expect(error.message.contains("all 1 SSH sessions of the pool are busy"), "\(error.message)")
        #expect(try await busy.output == "busy\n")
    }

    @Test func aFailedLoginBacksOffThenTriesAgain() async throws {
        let port = try freeLoopbackPort() // nothing listens there
        let endpoint = SSHEndpoint(device: "down", host: "127.0.0.1", settings: SSHSettings(user: "root", port: port, insecureIgnoreHostKey: true))
        // A long backoff: the second call fails at once, without a login attempt.
        let patient = SSHSessionPool(limits: SSHPoolLimits(initialBackoff: .seconds(60)))
        defer { patient.shutdown() }
        let refused = try #require(await sshError { _ = try await run(patient, "true", on: endpoint) })
        #expect(refused.kind == .connect && refused.message.contains("device \"down\""))
        let waiting = try #require(await sshError { _ = try await run(patient, "true", on: endpoint) })
        #expect(waiting.kind == .connect && waiting.message.contains("next login attempt in"))
        #expect(patient.connects(device: "down", result: "connect") == 1, "no login attempt during the backoff")
        // A short one: once it is over, the next call logs in again.
        let eager = SSHSessionPool(limits: SSHPoolLimits(initialBackoff: .milliseconds(100)))
        defer { eager.shutdown() }
        _ = await sshError { _ = try await run(eager, "true", on: endpoint) }
        try await Task.sleep(for: .milliseconds(150))
        _ = await sshError { _ = try await run(eager, "true", on: endpoint) }
        #expect(eager.connects(device: "down", result: "connect") == 2, "tried again after the backoff")
    }

    @Test func aChangedEndpointGetsANewSession() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let asRoot = try server.endpoint(device: "reloaded")
        #expect(try await run(pool, "id -un", on: asRoot).output == "root\n")
        // The config was reloaded with another user for the same device.
        var asOther = asRoot
        asOther.settings.user = SSHTestServer.busyboxUser
        #expect(try await run(pool, "id -un", on: asOther).output == SSHTestServer.busyboxUser + "\n")
        #expect(pool.connects(device: "reloaded", result: "success") == 2)
    }
}
