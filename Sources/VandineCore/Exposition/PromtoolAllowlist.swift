/// The ONE documented list of compatibility metric names that `promtool check metrics` dislikes.
///
/// Every name we invent must pass `promtool check metrics` as it is. Names we pass through or copy
/// for compatibility keep their upstream spelling even where promtool objects, because dashboards
/// and alert rules use them as they are; those objections — and only those — are accepted here.
/// Tests lint an exposition with promtool and hand its output to ``unexpectedProblems(in:)``:
/// any line about a name not listed (with the problem listed for it) fails the test.
///
/// Add a name only with its upstream reason; never add a `vandine_` or `probe_` name.
public enum PromtoolAllowlist {
    /// promtool's text for a counter without `_total`.
    public static let counterSuffix = "counter metrics should have \"_total\" suffix"
    /// promtool's text for a camelCase label name.
    public static let camelCaseLabel = "label names should be written in 'snake_case' not 'camelCase'"
    /// promtool's text for a camelCase metric name.
    public static let camelCaseName = "metric names should be written in 'snake_case' not 'camelCase'"
    /// promtool's text for a name in bits.
    public static let bitsUnit = "use base unit \"bytes\" instead of \"bits\""

    /// Name prefix → the promtool problems accepted for every name under it, for families whose
    /// names are built from a kernel file's keys (so no fixed list can hold them all).
    ///
    /// node_exporter (collector/meminfo.go, netstat_linux.go): `node_memory_<Field>` keeps
    /// `/proc/meminfo`'s spelling (`MemTotal`, `HugePages_Total`) and `node_netstat_<Proto>_<Field>`
    /// that of `/proc/net/netstat` and `snmp` (`Tcp_InSegs`); Node Exporter Full and every alert
    /// rule for Linux hosts use those names, so the node prober keeps them.
    public static let prefixes: [String: Set<String>] = [
        "node_memory_": [camelCaseName],
        "node_netstat_": [camelCaseName],
    ]

    /// Family name → the promtool problems accepted for it.
    ///
    /// cloudflared (2024.x, `connection/metrics.go`, `quic/metrics.go`, `orchestration`, `proxy`):
    /// its counters have no `_total` suffix and two of them use camelCase labels (`rpcName`,
    /// `userHostname`); the cloudflared prober passes its series through unchanged (DESIGN.md,
    /// "Metric names"), so dashboards built on cloudflared's own names keep working.
    public static let names: [String: Set<String>] = {
        var names: [String: Set<String>] = [:]
        for counter in [
            "cloudflared_config_local_config_pushes",
            "cloudflared_config_local_config_pushes_errors",
            "cloudflared_proxy_connect_streams_errors",
            "cloudflared_tcp_total_sessions",
            "cloudflared_udp_total_sessions",
            "cloudflared_tunnel_request_errors",
            "cloudflared_tunnel_response_by_code",
            "cloudflared_tunnel_total_requests",
            "cloudflared_tunnel_tunnel_authenticate_success",
            "cloudflared_tunnel_tunnel_authenticate_fail",
            "cloudflared_tunnel_tunnel_register_success",
            "cloudflared_tunnel_tunnel_register_fail",
            "cloudflared_tunnel_user_hostnames_counts",
            "cloudflared_tunnel_server_locations_changes",
            "quic_client_closed_connections",
            "quic_client_lost_packets",
            "quic_client_packet_too_big_dropped",
            "quic_client_receive_packets",
            "quic_client_received_frames",
            "quic_client_sent_frames",
            "quic_client_sent_packets",
            "quic_client_total_connections",
        ] {
            names[counter, default: []].insert(counterSuffix)
        }
        // node_exporter's entropy collector counts in bits, as the kernel's entropy_avail and poolsize do.
        for bits in ["node_entropy_available_bits", "node_entropy_pool_size_bits"] {
            names[bits, default: []].insert(bitsUnit)
        }
        for camel in ["cloudflared_tunnel_tunnel_register_success", "cloudflared_tunnel_tunnel_register_fail",
                      "cloudflared_tunnel_user_hostnames_counts"] {
            names[camel, default: []].insert(camelCaseLabel)
        }
        return names
    }()

    /// The lines of `promtool check metrics` output that are not accepted by ``names`` (empty when
    /// the exposition is clean apart from the listed compatibility names). promtool writes one
    /// problem per line as `name problem`.
    public static func unexpectedProblems(in output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { line in
            guard let space = line.firstIndex(of: " ") else { return !line.isEmpty }
            let name = String(line[..<space])
            let problem = String(line[line.index(after: space)...])
            if prefixes.contains(where: { name.hasPrefix($0.key) && $0.value.contains(problem) }) { return false }
            return !(names[name]?.contains(problem) ?? false)
        }
    }
}
