import Foundation

/// A real Prometheus (Debian's `prometheus`, 2.42) on a free loopback port with its own temporary
/// TSDB, for tests of everything that queries one. Killed with SIGKILL and reaped by `stop()` (and
/// at deinit); see docs/pitfalls.md for why not SIGTERM.
public final class PrometheusTestServer: @unchecked Sendable {
    public let port: Int
    /// "http", or "https" when started with `tls`.
    public let scheme: String
    /// The temporary directory holding the config, the extra files and the TSDB.
    public let directory: TemporaryDirectory
    private let process: Process
    private let logFile: String

    /// Starts Prometheus with `config` (its YAML; `$DIR` is replaced by ``directory``'s path) and
    /// `files` written into the directory first (rule files, a web config), plus `arguments`
    /// (e.g. `--web.config.file=$DIR/web.yml`), and waits until `/-/ready` answers 200.
    /// `curlExtra` goes to the readiness check (`-u user:password` with a basic-auth web config);
    /// `tls` says the web config serves HTTPS (then ``url(_:)`` gives `https://` URLs).
    /// Runs on a thread of its own: starting and polling block for up to 30 s.
    public static func start(config: String = "global:\n  scrape_interval: 1m\n", files: [String: String] = [:],
                             arguments: [String] = [], curlExtra: [String] = [], tls: Bool = false) async throws -> PrometheusTestServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    var attempt = 1
                    while true {
                        do {
                            return try PrometheusTestServer(config: config, files: files, arguments: arguments, curlExtra: curlExtra, tls: tls)
                        } catch let failure as StartFailure where attempt < 3 && failure.description.contains("address already in use") {
                            attempt += 1
                        }
                    }
                })
            }.start()
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(config: String, files: [String: String], arguments: [String], curlExtra: [String], tls: Bool) throws {
        scheme = tls ? "https" : "http"
        directory = try TemporaryDirectory()
        let dir = directory.path
        for (name, content) in files { _ = try directory.write(name, content.replacingOccurrences(of: "$DIR", with: dir)) }
        let configFile = try directory.write("prometheus.yml", config.replacingOccurrences(of: "$DIR", with: dir))
        port = try freeLoopbackPort()
        logFile = dir + "/prometheus.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = ["--config.file=\(configFile)", "--storage.tsdb.path=\(dir)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
            + arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir) }
        process.standardOutput = FileHandle(forWritingAtPath: logFile)
        process.standardError = FileHandle(forWritingAtPath: logFile)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && process.isRunning {
            // `-k`: a TLS web config serves a self-signed certificate; readiness is all we ask here.
            if let response = try? Curl.request(url("/-/ready"), extra: ["-k"] + curlExtra), response.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let output = log
        stop()
        throw StartFailure(description: "prometheus did not become ready on port \(port): \(output.suffix(2000))")
    }

    /// `http(s)://127.0.0.1:PORT` + path.
    public func url(_ path: String = "") -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// What Prometheus logged so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Kills (SIGKILL) and reaps the process, and removes the directory. Safe to call twice.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        directory.remove()
    }

    deinit { stop() }
}
