import VandineCore

/// node_exporter's `netstat` collector: `/proc/net/netstat`, `/proc/net/snmp` (header/value line
/// pairs) and `/proc/net/snmp6` (name value lines) as `node_netstat_<Proto>_<Field>`, untyped,
/// limited to node_exporter's default `--collector.netstat.fields`.
public struct NetstatCollector: NodeCollector {
    public let name = "netstat"
    public let needs = NodeNeeds(files: ["/proc/net/netstat", "/proc/net/snmp", "/proc/net/snmp6"])
    /// node_exporter 1.x's default `--collector.netstat.fields`.
    static let fields = RegularExpression(
        "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$")!

    public init() {}

    /// `(protocol, field, value)` of a header/value file (`TcpExt: SyncookiesSent …` then `TcpExt: 0 …`).
    static func parsePairs(_ text: String) -> [(String, String, String)] {
        var out: [(String, String, String)] = []
        let lines = text.split(separator: "\n").map { $0.fields }
        var index = 0
        while index + 1 < lines.count {
            let names = lines[index], values = lines[index + 1]
            index += 2
            guard let proto = names.first, proto.hasSuffix(":"), values.first == proto, names.count == values.count else { continue }
            for column in 1..<names.count {
                out.append((String(proto.dropLast()), String(names[column]), String(values[column])))
            }
        }
        return out
    }

    /// `(protocol, field, value)` of `/proc/net/snmp6` (`Ip6InOctets 123`).
    static func parseSNMP6(_ text: String) -> [(String, String, String)] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.fields
            guard parts.count == 2 else { return nil }
            let key = parts[0]
            // Protocol = the leading letters and digits up to the first capital after them (Ip6, Icmp6, Udp6, UdpLite6).
            guard let six = key.firstIndex(of: "6") else { return nil }
            return (String(key[...six]), String(key[key.index(after: six)...]), String(parts[1]))
        }
    }

    public func collect(_ input: NodeCollectorInput, into metrics: inout MetricSet) throws(NodeCollectorError) {
        var entries: [(String, String, String)] = []
        guard let netstat = input.files.file("/proc/net/netstat"), let snmp = input.files.file("/proc/net/snmp") else {
            throw .missing("/proc/net/netstat")
        }
        entries += Self.parsePairs(netstat) + Self.parsePairs(snmp)
        if let snmp6 = input.files.file("/proc/net/snmp6") { entries += Self.parseSNMP6(snmp6) }
        for (proto, field, text) in entries {
            let key = "\(proto)_\(field)"
            guard Self.fields.matches(key), let value = Double(text) else { continue }
            metrics.untyped("node_netstat_\(key)", value, help: "Statistic \(proto)\(field).")
        }
    }
}
