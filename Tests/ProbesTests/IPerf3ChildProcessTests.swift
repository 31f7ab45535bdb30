import Foundation
import Testing
@testable import Probes

/// The posix_spawn wrapper the iperf3 prober runs its children with.
@Suite struct IPerf3ChildProcessTests {
    let runner = ChildProcessRunner()

    @Test func capturesStdoutStderrAndTheExitStatus() async {
        let outcome = await runner.run("/bin/sh", ["-c", "printf hello; printf oops >&2; exit 3"], deadline: .now + .seconds(10))
        #expect(outcome.termination == .exited(3))
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "hello")
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "oops")
    }

    @Test func theChildStartsWithNoBlockedSignals() async {
        let outcome = await runner.run("sh", ["-c", "grep SigBlk /proc/self/status"], deadline: .now + .seconds(10))
        #expect(outcome.termination == .exited(0))
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "SigBlk:\t0000000000000000\n")
    }

    /// Only stdin, stdout and stderr reach the child: a child holding one of the daemon's sockets
    /// (its listener) kept the port after the daemon exited.
    @Test func theChildInheritsNoOtherDescriptors() async throws {
        // A socket of ours without close-on-exec, as some of the daemon's sockets are.
        let leaky = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(leaky) }
        #expect(leaky > 2 && fcntl(leaky, F_GETFD) & FD_CLOEXEC == 0)
        let outcome = await runner.run("/bin/sh", ["-c", "ls -l /proc/$$/fd"], deadline: .now + .seconds(10))
        #expect(outcome.termination == .exited(0))
        let listing = String(decoding: outcome.stdout, as: UTF8.self)
        #expect(listing.contains(" 0 -> ") && !listing.contains("socket:"), "\(listing)")
    }

    /// The child dies with this process: it runs with the parent-death signal set to SIGKILL
    /// (through `setpriv --pdeathsig KILL`).
    @Test func theChildHasTheParentDeathSignalSet() async throws {
        // /proc has no field for it; `setpriv --dump`, run through the same wrapper, shows it.
        let dump = await runner.run("setpriv", ["--dump"], deadline: .now + .seconds(10))
        #expect(String(decoding: dump.stdout, as: UTF8.self).contains("Parent death signal: KILL"),
                "\(String(decoding: dump.stdout, as: UTF8.self))")
    }

    @Test func theWholeProcessGroupIsKilledAtTheDeadline() async throws {
        let start = ContinuousClock.now
        // The shell prints its pid (= its process group), leaves a grandchild behind and waits.
        let outcome = await runner.run("/bin/sh", ["-c", "echo $$; sleep 30 & exec sleep 30"], deadline: .now + .milliseconds(300))
        #expect(outcome.termination == .killedAtDeadline)
        #expect(ContinuousClock.now - start < .seconds(5), "not the 30 s the children would run")
        let group = try #require(Int32(String(decoding: outcome.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(group > 1)
        // The grandchild got SIGKILL with its group; it may stay a zombie until init reaps it.
        var left = liveProcesses(inGroup: group)
        for _ in 0..<100 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            left = liveProcesses(inGroup: group)
        }
        #expect(left.isEmpty, "processes of the group still alive: \(left)")
    }

    @Test func cancellingTheCallerKillsTheChild() async {
        let task = Task { await runner.run("/bin/sh", ["-c", "exec sleep 30"], deadline: .now + .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        task.cancel()
        let outcome = await task.value
        #expect(outcome.termination == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(5), "not the 30 s the child would run")
    }

    @Test func aMissingExecutableIsNotStarted() async {
        let outcome = await runner.run("/nonexistent/tool", [], deadline: .now + .seconds(1))
        #expect(outcome.termination == .notStarted("/nonexistent/tool not found"))
    }
}
