import Foundation

/// The real `vandine-exporter` binary, started on a free loopback port for end-to-end tests.
public final class ExporterProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let scheme: String
    private let logFile: String

    /// Path of the binary: `$VANDINE_EXPORTER_BIN`, else the debug build next to the package.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VANDINE_EXPORTER_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/vandine-exporter").path
    }

    /// Starts the exporter with `arguments` plus a listen address, and waits until `/-/healthy`
    /// answers (any HTTP status counts: with basic auth it is 401).
    /// `listenHost` is the host part of `--web.listen-address` (empty: every address); requests go
    /// to 127.0.0.1 unless it names another host.
    /// `binary` is another daemon of the package to start the same way (alertmanager-lite).
    public init(arguments: [String], tls: Bool = false, curlExtra: [String] = [], listenHost: String = "127.0.0.1",
                binary: String = ExporterProcess.binary) throws {
        port = try freeLoopbackPort()
        scheme = tls ? "https" : "http"
        urlHost = listenHost.isEmpty ? "127.0.0.1" : listenHost
        logFile = NSTemporaryDirectory() + "vandine-exporter-\(port).log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments + ["--web.listen-address", "\(listenHost):\(port)"]
        process.standardError = FileHandle(forWritingAtPath: logFile)
        process.standardOutput = FileHandle(forWritingAtPath: logFile)
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let response = try? Curl.request(url("/-/healthy"), extra: curlExtra), response.status != 0 { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw StartFailure(description: "\(URL(fileURLWithPath: binary).lastPathComponent) did not come up on port \(port): \(log)")
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public let urlHost: String

    public func url(_ path: String) -> String { "\(scheme)://\(urlHost):\(port)\(path)" }

    /// What the exporter logged so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGTERM, then waits for exit; returns how long it took (nil when it had to be killed).
    @discardableResult
    public func stop(within seconds: Double = 5) -> Double? {
        guard process.isRunning else { return 0 }
        let start = Date()
        send(SIGTERM)
        while process.isRunning && Date().timeIntervalSince(start) < seconds { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            send(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return Date().timeIntervalSince(start)
    }

    deinit { stop() }
}

extension ExporterProcess {
    /// ``init(arguments:tls:curlExtra:listenHost:)`` on a thread of its own: starting the binary
    /// and polling `/-/healthy` blocks for up to seconds, which must not hold one of Swift's few
    /// cooperative threads while other suites' probes need them (a held thread made unrelated
    /// timing tests miss their deadlines).
    public static func started(arguments: [String], tls: Bool = false, curlExtra: [String] = [],
                               listenHost: String = "127.0.0.1", binary: String = ExporterProcess.binary) async throws -> ExporterProcess {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    // The free port is found by binding port 0 and closing it; another test's client
                    // socket can take it as its ephemeral port before the exporter binds it. Then
                    // the exporter exits with "address already in use": try a fresh port.
                    var attempt = 1
                    while true {
                        do {
                            return try ExporterProcess(arguments: arguments, tls: tls, curlExtra: curlExtra, listenHost: listenHost, binary: binary)
                        } catch let failure as StartFailure where attempt < 3 && failure.description.lowercased().contains("in use") {
                            attempt += 1
                        }
                    }
                })
            }.start()
        }
    }
}
