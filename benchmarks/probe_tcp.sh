#!/usr/bin/env bash
# Side-by-side benchmark: TCP connect probes through vandine-exporter vs
# prometheus-blackbox-exporter (Debian package), both on loopback.
#
# wrk hammers GET /probe?target=127.0.0.1:LPORT&module=tcp_connect on each
# exporter in turn (same settings); every request makes the exporter open one
# TCP connection to a local accept-and-close listener. Measured per exporter:
# requests/s, p99 latency, CPU seconds per 1,000 probes, peak RSS.
#
# Target: requests/s >= blackbox, CPU per probe <= blackbox, RSS <= blackbox.
#
# Environment (all optional; see lib/side_by_side.sh): VANDINE_BIN, BLACKBOX_BIN,
# DURATION, WARMUP, CONNECTIONS, THREADS, CHECK_BODIES,
# RESULTS (default benchmarks/results/probe_tcp.txt).
#
# Exit status: 0 targets met, 2 targets missed (results still written),
# 1 the benchmark itself failed (setup, sanity check, >1% errors).
#
# All traffic stays on 127.0.0.1. The script changes no system settings.
set -euo pipefail

# shellcheck source=lib/side_by_side.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/side_by_side.sh"
sbs_setup probe_tcp

# --- accept-and-close TCP listener -------------------------------------------
# A blocking accept()/close() loop: no per-connection objects, no event loop.
# It binds port 0 itself and reports the port (no race). Its CPU use is
# reported so a saturated listener shows up in the results.
cat >"$TMP/listener.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(65535)  # the kernel caps this at net.core.somaxconn
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(tmp, sys.argv[1])
accept = s.accept
while True:
    try:
        c, _ = accept()
        c.close()
    except InterruptedError:
        pass
    except OSError:
        pass  # e.g. ECONNABORTED / EMFILE: keep serving
EOF
"$PYTHON" "$TMP/listener.py" "$TMP/listener.port" >"$TMP/listener.log" 2>&1 &
TARGET_PID=$!
for ((i = 0; i < 100; i++)); do
    [[ -s $TMP/listener.port ]] && break
    kill -0 "$TARGET_PID" 2>/dev/null || die "listener exited: $(cat "$TMP/listener.log")"
    sleep 0.1
done
[[ -s $TMP/listener.port ]] || die "listener did not start within 10 s"
TARGET_PORT=$(<"$TMP/listener.port")

# --- the comparison ------------------------------------------------------------
BENCH_MODULE=tcp_connect
VANDINE_MODULE_YAML='  tcp_connect:
    prober: tcp
    timeout: 5s'
BLACKBOX_MODULE_YAML='  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4'
PROBE_TARGET=127.0.0.1:$TARGET_PORT
TARGET_NAME=listener
BENCH_TITLE="TCP connect probes"
TARGET_DESC="127.0.0.1:$TARGET_PORT (python accept+close listener), module tcp_connect, timeout 5s"
sbs_run
