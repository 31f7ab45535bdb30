#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Runs `promtool check rules FILE…` (Prometheus's own validator, which also parses the PromQL
/// that alertmanager-lite leaves to the datasource). Blocking: for the `check-config` command,
/// never for the daemon's event loops.
public enum PromtoolCheck {
    /// What promtool said.
    public struct Outcome: Sendable, Equatable {
        /// promtool's exit status (0 = all files valid).
        public var status: Int32
        /// Its stdout and stderr, interleaved as written.
        public var output: String
    }

    /// The first executable `promtool` on `PATH`, or nil.
    public static func locate(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/promtool"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `executable check rules files…`; nil when it cannot be started.
    public static func checkRules(executable: String, files: [String]) -> Outcome? {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        let arguments = [executable, "check", "rules"] + files
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        close(pipeEnds[1])
        guard spawned == 0 else { close(pipeEnds[0]); return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            if count > 0 { output += buffer[..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: exitStatus, output: String(decoding: output, as: UTF8.self))
    }
}
