#if canImport(Glibc)
import Glibc
#endif
import CurlClient
import FoundationEssentials

/// The real ``TestSeriesStore``: writes the input series as OpenMetrics
/// (``OpenMetricsBackfillText``), turns them into TSDB blocks with
/// `promtool tsdb create-blocks-from openmetrics FILE DIR`, and starts a temporary Prometheus on
/// those blocks on a free 127.0.0.1 port with no scrape configs:
///
/// - `--storage.tsdb.retention.time=100y`: time retention counts back from the newest block, so
///   a test spanning more than the default 15 days would lose its first blocks.
/// - Prometheus 2.42 queries overlapping blocks without a flag (`allow-overlapping-blocks` is
///   deprecated since 2.39).
/// - `stale` points, which OpenMetrics cannot carry, are sent as real staleness markers through
///   the remote-write receiver (`--web.enable-remote-write-receiver`) once it is ready; they land
///   in the head next to the blocks' time range, which `out_of_order_time_window: 100y` allows.
///   So a stale series disappears at once, exactly as in promtool.
/// - Ready means a query through the datasource answers (the query API says 503 until the TSDB
///   is open), polled every 50 ms for at most `startupTimeout`.
///
/// The datasource is made by `makeDatasource` from the base URL (`http://127.0.0.1:PORT`), so the
/// queries go through the project's real Prometheus client.
public struct PrometheusBackfill: TestSeriesStore {
    public var makeDatasource: @Sendable (String) -> any Datasource
    public var prometheus: String
    public var promtool: String
    /// Seconds to wait for Prometheus to answer.
    public var startupTimeout: Double

    public init(prometheus: String = "prometheus", promtool: String = "promtool", startupTimeout: Double = 30,
                makeDatasource: @escaping @Sendable (String) -> any Datasource) {
        self.prometheus = prometheus
        self.promtool = promtool
        self.startupTimeout = startupTimeout
        self.makeDatasource = makeDatasource
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func load(_ series: [InputSeries], interval: Int64) async throws -> any LoadedTestSeries {
        let directory = try Self.makeTemporaryDirectory()
        do {
            let (text, samples) = try OpenMetricsBackfillText.render(series, interval: interval)
            let input = directory + "/series.om"
            try Data(text.utf8).write(to: URL(fileURLWithPath: input))
            let data = directory + "/data"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            if samples > 0 {
                let tool = try SpawnedProcess.start(promtool, ["tsdb", "create-blocks-from", "openmetrics", input, data],
                                                    outputPath: directory + "/promtool.log")
                let status = try await tool.waitForExit(within: 120)
                guard status == 0 else {
                    throw Failure(description: "promtool tsdb create-blocks-from openmetrics failed (exit \(status)): \(tool.outputTail(limit: 500))")
                }
            }
            let config = directory + "/prometheus.yml"
            try Data(Self.configuration.utf8).write(to: URL(fileURLWithPath: config))
            let loaded = try await start(directory: directory, config: config, data: data)
            let markers = try OpenMetricsBackfillText.staleMarkers(series, interval: interval)
            if !markers.isEmpty {
                do { try await Self.send(markers, to: loaded.baseURL) } catch {
                    await loaded.close()
                    throw error
                }
            }
            return loaded
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// No scrape configs; the out-of-order window lets stale markers in next to the blocks.
    static let configuration = """
    # alertmanager-lite test rules: no scrape configs, the series are backfilled.
    storage:
      tsdb:
        out_of_order_time_window: 100y

    """

    /// POSTs the staleness markers to `/api/v1/write` (remote write 1.0).
    static func send(_ markers: [RemoteWriteRequest.Series], to baseURL: String) async throws {
        let request = HTTPRequest(url: baseURL + "/api/v1/write", method: "POST", headers: [
            "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0",
        ], body: RemoteWriteRequest.body(markers), timeout: .seconds(30))
        let response = try await CurlEngine.shared.execute(request)
        guard (200..<300).contains(response.statusCode) else {
            throw Failure(description: "prometheus refused the stale markers: HTTP \(response.statusCode): \(String(decoding: response.body.prefix(500), as: UTF8.self))")
        }
    }

    /// Starts Prometheus; a port taken between choosing and binding it is retried on another.
    private func start(directory: String, config: String, data: String) async throws -> TemporaryPrometheus {
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try Self.freeLoopbackPort()
            let server = try SpawnedProcess.start(prometheus, [
                "--config.file=\(config)", "--storage.tsdb.path=\(data)", "--storage.tsdb.retention.time=100y",
                "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver", "--log.level=warn",
            ], outputPath: directory + "/prometheus.log")
            let datasource = makeDatasource("http://127.0.0.1:\(port)")
            let deadline = ContinuousClock.now + .milliseconds(Int64(startupTimeout * 1000))
            while ContinuousClock.now < deadline {
                if let status = server.exitStatus() {
                    lastFailure = "prometheus exited with status \(status): \(server.outputTail(limit: 500))"
                    break
                }
                if (try? await datasource.query("vector(1)", at: 0)) != nil {
                    return TemporaryPrometheus(datasource: datasource, baseURL: "http://127.0.0.1:\(port)", process: server, directory: directory)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            if lastFailure.isEmpty {
                server.kill()
                throw Failure(description: "prometheus did not answer within \(startupTimeout)s: \(server.outputTail(limit: 500))")
            }
            if !lastFailure.contains("address already in use") { break }
        }
        throw Failure(description: lastFailure)
    }

    static func makeTemporaryDirectory() throws(Failure) -> String {
        var template = Array("/tmp/alertmanager-lite-test-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw Failure(description: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A port the kernel hands out for 127.0.0.1, released again for Prometheus to bind.
    static func freeLoopbackPort() throws(Failure) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A running temporary Prometheus over backfilled blocks, killed and deleted by ``close()``.
struct TemporaryPrometheus: LoadedTestSeries {
    let datasource: any Datasource
    let baseURL: String
    let process: SpawnedProcess
    let directory: String

    func close() async {
        process.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
