import Foundation

/// Runs a program to completion and captures its output; for tests that drive real tools
/// (curl, promtool, openssl).
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Command {
    /// ``run(_:_:input:)`` on a thread of its own: the caller's task waits without holding one of
    /// Swift's cooperative threads (two on a 2-core machine), so probes running in parallel tests
    /// are not starved while a slow tool (python, openssl) runs.
    public static func runOffPool(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(executable, arguments, input: input) }) }.start()
        }
    }

    /// Runs `executable` (a path, or a name looked up in PATH) with `arguments`, feeding `input`.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// HTTP requests through the curl CLI, which handles TLS with a custom CA and basic auth the way a
/// scraper would.
public enum Curl {
    public struct Response: Sendable {
        /// 0 when no HTTP response arrived (connection or TLS failure).
        public let status: Int
        public let body: String
        public let curlExitCode: Int32
    }

    /// ``request(_:method:extra:)`` on a thread of its own, so the calling test does not hold a
    /// cooperative thread while curl runs.
    public static func fetch(_ url: String, method: String = "GET", extra: [String] = []) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try request(url, method: method, extra: extra) }) }.start()
        }
    }

    public static func request(_ url: String, method: String = "GET", extra: [String] = []) throws -> Response {
        let marker = "\n--vandine-status:"
        let result = try Command.run("curl", ["-sS", "--max-time", "10", "-X", method, "-w", marker + "%{http_code}"] + extra + [url])
        guard let range = result.stdout.range(of: marker, options: .backwards) else {
            return Response(status: 0, body: result.stdout, curlExitCode: result.status)
        }
        let status = Int(result.stdout[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return Response(status: status, body: String(result.stdout[..<range.lowerBound]), curlExitCode: result.status)
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "vandine-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func write(_ name: String, _ content: String) throws -> String {
        let file = path + "/" + name
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
