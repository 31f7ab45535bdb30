import VandineCore

/// node_exporter's `tcpstat` collector (off by default in node_exporter; Node Exporter Full reads
/// it 13 times): `node_tcp_connection_states{state}` counted from `/proc/net/tcp` and `tcp6`
/// (the files node_exporter read before it used netlink; the ssh transport) or from the local
/// transport's netlink dump (``NodeFiles/tcpStates``, as node_exporter 1.x), plus the queued bytes.
public struct TCPStatCollector: NodeCollector {
    public let name = "tcpstat"
    static let files = ["/proc/net/tcp", "/proc/net/tcp6"]
    public let needs = NodeNeeds(files: files)
    /// The kernel's TCP state numbers (include/net/tcp_states.h) → node_exporter's names.
    static let states: [UInt8: String] = [
        1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2", 6: "time_wait", 7: "close",
        8: "close_wait", 9: "last_ack", 10: "listen", 11: "closing",
    ]

    public init() {}

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        let help = "Number of connection states."
        if let states = input.files.tcpStates {
            for (state, count) in states.sorted(by: { $0.key < $1.key }) {
                metrics.gauge("node_tcp_connection_states", count, help: help, labels: ["state": state])
            }
            return
        }
        guard input.files.file("/proc/net/tcp") != nil else { throw .missing("/proc/net/tcp") }
        var counts: [String: Double] = [:]
        var txQueued = 0.0, rxQueued = 0.0
        for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = input.files.file(path) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let parts = line.fields
                guard parts.count > 4, let code = UInt8(parts[3], radix: 16), let state = Self.states[code] else { continue }
                counts[state, default: 0] += 1
                let queues = parts[4].split(separator: ":")
                if queues.count == 2, let tx = UInt64(queues[0], radix: 16), let rx = UInt64(queues[1], radix: 16) {
                    txQueued += Double(tx)
                    rxQueued += Double(rx)
                }
            }
        }
        for (state, count) in counts.sorted(by: { $0.key < $1.key }) { metrics.gauge("node_tcp_connection_states", count, help: help, labels: ["state": state]) }
        metrics.gauge("node_tcp_connection_states", txQueued, help: help, labels: ["state": "tx_queued_bytes"])
        metrics.gauge("node_tcp_connection_states", rxQueued, help: help, labels: ["state": "rx_queued_bytes"])
    }
}
