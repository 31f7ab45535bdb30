import FoundationEssentials
import VandineCore

/// What one `iperf3 -c … -J` run reported: its JSON's `end` sums, or its `error`.
///
/// iperf3 exits 0 even when the test failed (`unable to connect to server`, `the server is busy
/// running a test`): the JSON's `error` key is what says so.
public struct IPerf3Report: Sendable, Equatable {
    /// One of the JSON's `end.sum_sent` / `end.sum_received` objects.
    public struct Sum: Sendable, Equatable, Decodable {
        public var seconds: Double?
        public var bytes: Double?
        public var bits_per_second: Double?
        public var retransmits: Double?
        public var jitter_ms: Double?
        public var lost_packets: Double?
        public var packets: Double?
        public var lost_percent: Double?
    }

    public var sent: Sum
    public var received: Sum
    /// True for a UDP test (`start.test_start.protocol`).
    public var udp: Bool

    /// Parses iperf3's JSON output: the report, or the run's failure as one sentence.
    public static func parse(_ output: [UInt8]) -> Result<IPerf3Report, IPerf3Failure> {
        let json: JSON
        do {
            json = try JSONDecoder().decode(JSON.self, from: Data(output))
        } catch {
            let text = String(decoding: output.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
            return .failure(.other(output.isEmpty ? "iperf3 printed no output" : "iperf3 printed no JSON report: \(text)"))
        }
        if let error = json.error, !error.isEmpty {
            return .failure(error.contains("busy") ? .busy(error) : .other("iperf3: \(error)"))
        }
        guard let sent = json.end?.sum_sent, let received = json.end?.sum_received else {
            return .failure(.other("iperf3's JSON report has no end.sum_sent / end.sum_received"))
        }
        return .success(IPerf3Report(sent: sent, received: received,
                                     udp: json.start?.test_start?.protocol?.uppercased() == "UDP"))
    }

    private struct JSON: Decodable {
        struct Start: Decodable {
            struct TestStart: Decodable { var `protocol`: String? }
            var test_start: TestStart?
        }
        struct End: Decodable {
            var sum_sent: Sum?
            var sum_received: Sum?
        }
        var start: Start?
        var end: End?
        var error: String?
    }

    /// Records iperf3_exporter's series and ours. Only measured values: a failed run records none
    /// of these (zero-filled throughput drags averages down).
    public func record(into metrics: MetricsSink) {
        func gauge(_ name: String, _ value: Double?, _ help: String) {
            if let value { metrics.gauge(name, value, help: help) }
        }
        gauge("iperf3_sent_seconds", sent.seconds, "Total seconds spent sending packets.")
        gauge("iperf3_sent_bytes", sent.bytes, "Total sent bytes for the last test run.")
        gauge("iperf3_received_seconds", received.seconds, "Total seconds spent receiving packets.")
        gauge("iperf3_received_bytes", received.bytes, "Total received bytes for the last test run.")
        gauge("vandine_iperf3_sent_bits_per_second", sent.bits_per_second, "Sender's throughput of the last test run in bits per second.")
        gauge("vandine_iperf3_received_bits_per_second", received.bits_per_second, "Receiver's throughput of the last test run in bits per second.")
        if udp {
            gauge("iperf3_sent_packets", sent.packets, "Total sent packets for the last UDP test run.")
            gauge("iperf3_sent_jitter_ms", sent.jitter_ms, "Jitter in milliseconds for sent packets in UDP mode.")
            gauge("iperf3_sent_lost_packets", sent.lost_packets, "Total lost packets from the sender in the last UDP test run.")
            gauge("iperf3_sent_lost_percent", sent.lost_percent, "Percentage of packets lost from the sender in the last UDP test run.")
            gauge("iperf3_received_packets", received.packets, "Total received packets for the last UDP test run.")
            gauge("iperf3_received_jitter_ms", received.jitter_ms, "Jitter in milliseconds for received packets in UDP mode.")
            gauge("iperf3_received_lost_packets", received.lost_packets, "Total lost packets at the receiver in the last UDP test run.")
            gauge("iperf3_received_lost_percent", received.lost_percent, "Percentage of packets lost at the receiver in the last UDP test run.")
        } else {
            gauge("iperf3_retransmits", sent.retransmits, "Total retransmits for the last test run.")
        }
    }
}

/// Why a run produced no report.
public enum IPerf3Failure: Error, Sendable, Equatable {
    /// The server is running another client's test (iperf3's "the server is busy running a test").
    case busy(String)
    /// Anything else, as one sentence.
    case other(String)

    public var reason: String {
        switch self {
        case let .busy(text): "iperf3: \(text)"
        case let .other(text): text
        }
    }
}
