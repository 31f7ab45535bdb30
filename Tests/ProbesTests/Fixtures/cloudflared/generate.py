#!/usr/bin/env python3
"""Writes a realistic cloudflared /metrics exposition (the names and HELP texts of cloudflared
2024.x, as served by its promhttp handler) to stdout.

    generate.py            the test fixture (4 HA connections, ~250 series): metrics.txt
    generate.py --big      the benchmark fixture (~600 series: more status codes, frame types,
                           hostnames and Go runtime series)

Connections 0-3 are registered at lax05, lax06, lax07 and lax05; connection 1 moved there from
sjc01, which cloudflared keeps at 0. Deterministic: no clock, no randomness."""
import sys

big = "--big" in sys.argv
out = []
def family(name, kind, help_text, samples):
    out.append("# HELP %s %s" % (name, help_text))
    out.append("# TYPE %s %s" % (name, kind))
    for labels, value in samples:
        if labels:
            inner = ",".join('%s="%s"' % kv for kv in labels)
            out.append("%s{%s} %s" % (name, inner, value))
        else:
            out.append("%s %s" % (name, value))

def histogram(name, help_text, bounds, counts, total, labelsets=((),)):
    out.append("# HELP %s %s" % (name, help_text))
    out.append("# TYPE %s histogram" % name)
    for labels in labelsets:
        prefix = "".join('%s="%s",' % kv for kv in labels)
        cumulative = 0
        for bound, count in zip(bounds, counts):
            cumulative += count
            out.append('%s_bucket{%sle="%s"} %d' % (name, prefix, bound, cumulative))
        out.append('%s_bucket{%sle="+Inf"} %d' % (name, prefix, cumulative))
        lbl = "{%s}" % prefix.rstrip(",") if labels else ""
        out.append("%s_sum%s %s" % (name, lbl, total))
        out.append("%s_count%s %d" % (name, lbl, cumulative))

def summary(name, help_text, quantiles, total, count):
    out.append("# HELP %s %s" % (name, help_text))
    out.append("# TYPE %s summary" % name)
    for q, v in quantiles:
        out.append('%s{quantile="%s"} %s' % (name, q, v))
    out.append("%s_sum %s" % (name, total))
    out.append("%s_count %d" % (name, count))

conns = range(4)
codes = ["200", "204", "301", "302", "304", "400", "401", "403", "404", "500", "502", "503"]
if big:
    codes += ["201", "206", "307", "308", "405", "409", "413", "429", "499", "504"]
frames = ["Ack", "Crypto", "DataBlocked", "HandshakeDone", "MaxData", "MaxStreamData", "MaxStreams", "NewConnectionID",
          "NewToken", "Ping", "ResetStream", "Stream", "StreamDataBlocked", "StreamsBlocked", "StopSending"]
if not big:
    frames = frames[:6]
hostnames = ["grafana.vandine.in", "home.vandine.in", "status.vandine.in"]

family("build_info", "gauge", "Build and version information",
       [((("goversion", "go1.22.5"), ("revision", "2024-08-28T12:00:00Z"), ("type", ""), ("version", "2024.8.3")), 1)])
family("cloudflared_config_local_config_pushes", "counter", "Number of local configuration pushes to the edge", [((), 0)])
family("cloudflared_config_local_config_pushes_errors", "counter", "Number of errors occurred during local configuration pushes", [((), 0)])
family("cloudflared_orchestration_config_version", "gauge", "Configuration Version", [((), 7)])
histogram("cloudflared_proxy_connect_latency", "Time it takes to establish and acknowledge connections in milliseconds",
          ["1", "10", "25", "50", "100", "500", "1000", "5000"], [12, 340, 85, 14, 6, 2, 0, 0], 6871.5)
family("cloudflared_proxy_connect_streams_errors", "counter", "Total count of failure to establish and acknowledge connections", [((), 3)])
family("cloudflared_tcp_active_sessions", "gauge", "Concurrent count of TCP sessions that are being proxied to any origin", [((), 2)])
family("cloudflared_tcp_total_sessions", "counter", "Total count of TCP sessions that have been proxied to any origin", [((), 459)])
family("cloudflared_tunnel_active_streams", "gauge", "Total number of active streams", [((), 5)])
family("cloudflared_tunnel_concurrent_requests_per_tunnel", "gauge", "Concurrent requests proxied through each tunnel",
       [((("connection_id", str(c)),), [1, 0, 2, 0][c]) for c in conns])
family("cloudflared_tunnel_ha_connections", "gauge", "Number of active ha connections", [((), 4)])
family("cloudflared_tunnel_request_errors", "counter", "Count of error proxying to origin", [((), 17)])
family("cloudflared_tunnel_response_by_code", "counter", "Count of responses by HTTP status code",
       [((("status_code", code),), 10000 // (i + 1)) for i, code in enumerate(codes)])
family("cloudflared_tunnel_server_locations", "gauge", "Where each tunnel is connected to. 1 means current location, 0 means previous locations.",
       [((("connection_id", "0"), ("edge_location", "lax05")), 1),
        ((("connection_id", "1"), ("edge_location", "lax06")), 1),
        ((("connection_id", "1"), ("edge_location", "sjc01")), 0),
        ((("connection_id", "2"), ("edge_location", "lax07")), 1),
        ((("connection_id", "3"), ("edge_location", "lax05")), 1)])
family("cloudflared_tunnel_timer_retries", "gauge", "Unacknowledged heart beats count", [((), 0)])
family("cloudflared_tunnel_total_requests", "counter", "Amount of requests proxied through all the tunnels", [((), 18231)])
family("cloudflared_tunnel_tunnel_authenticate_success", "counter", "Count of successful tunnel authenticate", [((), 0)])
family("cloudflared_tunnel_tunnel_register_success", "counter", "Count of successful tunnel registrations",
       [((("rpcName", "register_connection"),), 4)])
family("cloudflared_tunnel_user_hostnames_counts", "counter", "Which user hostnames cloudflared is serving",
       [((("userHostname", h),), 1) for h in hostnames])
family("quic_client_closed_connections", "counter", "Number of connections that has been closed", [((), 1)])
family("quic_client_congestion_state", "gauge", "Current congestion control state. See https://pkg.go.dev/github.com/quic-go/quic-go@v0.45.0/logging#CongestionState for what each value maps to",
       [((("conn_index", str(c)),), 3) for c in conns])
family("quic_client_congestion_window", "gauge", "Current congestion window size",
       [((("conn_index", str(c)),), 38400 + 1200 * c) for c in conns])
family("quic_client_latest_rtt", "gauge", "Latest RTT measured on a connection",
       [((("conn_index", str(c)),), [14, 19, 22, 13][c]) for c in conns])
family("quic_client_lost_packets", "counter", "Number of packets that have been lost from a connection",
       [((("conn_index", str(c)), ("reason", r)), 2 + c + i) for c in conns for i, r in enumerate(["reordering_threshold", "timeout"])])
family("quic_client_max_udp_payload", "gauge", "Maximum UDP payload size in bytes for a QUIC packet",
       [((("conn_index", str(c)),), 1252) for c in conns])
family("quic_client_min_rtt", "gauge", "Lowest RTT measured on a connection in millisec",
       [((("conn_index", str(c)),), [11, 16, 18, 11][c]) for c in conns])
family("quic_client_packet_too_big_dropped", "counter", "Number of packets received from origin that are too big to send to the edge and are dropped as a result", [((), 0)])
family("quic_client_receive_packets", "counter", "Number of packets that have been received through a connection",
       [((("conn_index", str(c)),), 52000 + 31 * c) for c in conns])
family("quic_client_received_frames", "counter", "Number of frames that have been received through a connection",
       [((("conn_index", str(c)), ("frame_type", f)), 1000 - 7 * i + c) for c in conns for i, f in enumerate(frames)])
family("quic_client_sent_frames", "counter", "Number of frames that have been sent through a connection",
       [((("conn_index", str(c)), ("frame_type", f)), 900 - 5 * i + c) for c in conns for i, f in enumerate(frames)])
family("quic_client_sent_packets", "counter", "Number of packets that have been sent through a connection",
       [((("conn_index", str(c)),), 48000 + 17 * c) for c in conns])
family("quic_client_smoothed_rtt", "gauge", "Calculated smoothed RTT measured on a connection in millisec",
       [((("conn_index", str(c)),), [15, 20, 23, 14][c]) for c in conns])
family("quic_client_total_connections", "counter", "Number of connections initiated", [((), 5)])

# The Go runtime and process collectors every promhttp server has.
summary("go_gc_duration_seconds", "A summary of the pause duration of garbage collection cycles.",
        [("0", "3.1e-05"), ("0.25", "5.6e-05"), ("0.5", "7.2e-05"), ("0.75", "0.000101"), ("1", "0.00214")], 0.0821, 812)
family("go_goroutines", "gauge", "Number of goroutines that currently exist.", [((), 187)])
family("go_info", "gauge", "Information about the Go environment.", [((("version", "go1.22.5"),), 1)])
memstats = ["alloc_bytes", "buck_hash_sys_bytes", "gc_sys_bytes", "heap_alloc_bytes", "heap_idle_bytes",
            "heap_inuse_bytes", "heap_objects", "heap_released_bytes", "heap_sys_bytes", "last_gc_time_seconds",
            "mcache_inuse_bytes", "mcache_sys_bytes", "mspan_inuse_bytes", "mspan_sys_bytes", "next_gc_bytes",
            "other_sys_bytes", "stack_inuse_bytes", "stack_sys_bytes", "sys_bytes"]
for i, m in enumerate(memstats):
    family("go_memstats_" + m, "gauge", "Number of bytes (or objects, or seconds) reported by runtime.MemStats: " + m + ".",
           [((), 1048576 * (i + 1) + 4096)])
for m, v in [("alloc_bytes_total", 9.87e9), ("frees_total", 8.1e7), ("lookups_total", 0), ("mallocs_total", 8.2e7)]:
    family("go_memstats_" + m, "counter", "Total number reported by runtime.MemStats: " + m + ".", [((), v)])
family("go_threads", "gauge", "Number of OS threads created.", [((), 14)])
family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [((), 1234.56)])
family("process_max_fds", "gauge", "Maximum number of open file descriptors.", [((), 1048576)])
family("process_open_fds", "gauge", "Number of open file descriptors.", [((), 23)])
family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [((), 41943040)])
family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", [((), 1.72483e+09)])
family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", [((), 1.38e+09)])
family("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", [((), 1.8446744073709552e+19)])
family("promhttp_metric_handler_requests_in_flight", "gauge", "Current number of scrapes being served.", [((), 1)])
family("promhttp_metric_handler_requests_total", "counter", "Total number of scrapes by HTTP status code.",
       [((("code", c),), v) for c, v in [("200", 8123), ("500", 0), ("503", 0)]])
if big:
    # A connector with more origins: per-origin request histograms the way a busy one looks.
    histogram("cloudflared_tunnel_origin_request_duration", "Request duration to the origin in milliseconds (benchmark padding)",
              ["1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000"],
              [5, 40, 120, 300, 180, 90, 30, 8, 2, 1, 0], 45210.5,
              labelsets=[(("origin", o), ("method", m)) for o in ["grafana:3000", "home:8123", "status:8080", "pi1:80", "router:443", "nas:5000"]
                         for m in ["GET", "POST", "PUT", "DELETE"]])
print("\n".join(out))
