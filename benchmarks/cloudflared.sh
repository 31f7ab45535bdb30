#!/usr/bin/env bash
# cloudflared benchmark: a realistic ~600-series cloudflared exposition (the names and HELP of
# cloudflared 2024.x with 4 HA connections, Go runtime series and per-origin histograms, written
# by Tests/ProbesTests/Fixtures/cloudflared/generate.py --big) served by a local nginx as a
# connector's metrics server (/metrics and /ready), then:
#
#  1. PROBES probes (default 1,000) through vandine-exporter's /probe with the cloudflared module
#     (every probe fetches /metrics and /ready, parses the exposition, filters it, re-encodes it
#     with probe_success and vandine_tunnel_*), from CONCURRENCY (default 4) keep-alive client
#     connections. Reports probes/s, exporter CPU seconds per probe, peak RSS (VmHWM), and checks
#     every response says probe_success 1 and carries every fixture series.
#  2. Prometheus (Debian `prometheus`) scraping the same fixture directly and, in the same run,
#     scraping it through vandine's /probe, every SCRAPE_INTERVAL (default 1s) for SCRAPE_TIME
#     (default 30s): each side's own `scrape_duration_seconds` (mean and max) and
#     `scrape_samples_scraped`.
#
# No targets: this measures the cost of the passthrough next to a direct scrape; the figures go
# in benchmarks/results/cloudflared.txt.
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), PROMETHEUS_BIN,
# NGINX_BIN, PROBES, CONCURRENCY, SCRAPE_INTERVAL, SCRAPE_TIME, RESULTS.
#
# Exit status: 0 done, 1 the benchmark failed. All traffic stays on 127.0.0.1. The script changes
# no system settings and reads nothing under /etc.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=cloudflared
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }

VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
[[ $VANDINE_BIN == /* ]] || VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"
[[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (build it or set VANDINE_BIN)"
PROMETHEUS_BIN=$(command -v "${PROMETHEUS_BIN:-prometheus}") || die "prometheus not found (apt-get install prometheus)"
if [[ -n ${NGINX_BIN:-} ]]; then
    NGINX_BIN=$(command -v "$NGINX_BIN") || die "nginx not found: NGINX_BIN"
else
    NGINX_BIN=$(command -v nginx || command -v /usr/sbin/nginx) || die "nginx not found (Debian package nginx-light)"
fi
command -v curl >/dev/null || die "curl not found"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
PROBES=${PROBES:-1000}
CONCURRENCY=${CONCURRENCY:-4}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1s}
SCRAPE_TIME=${SCRAPE_TIME:-30}
RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/$NAME.txt}
CLK_TCK=$(getconf CLK_TCK)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cpu_ticks() { # pid -> utime+stime in ticks
    local stat rest
    local -a f
    stat=$(<"/proc/$1/stat")
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo $(( f[11] + f[12] ))
}
status_kib() { # pid key -> value in KiB
    local k v _
    while read -r k v _; do [[ $k == "$2:" ]] && { echo "$v"; return; }; done <"/proc/$1/status"
    echo 0
}

# --- the fixture, served by nginx as a connector's metrics server ----------------------
WWW=$TMP/www
mkdir -p "$WWW"
"$PYTHON" "$REPO_ROOT/Tests/ProbesTests/Fixtures/cloudflared/generate.py" --big >"$WWW/metrics"
printf '{"status":200,"readyConnections":4,"connectorId":"4b2e7d1c-0c7e-4a55-9d7a-2f4c1b8e9a10"}\n' >"$WWW/ready"
SERIES=$(grep -vc '^#' "$WWW/metrics")
FAMILIES=$(grep -c '^# TYPE' "$WWW/metrics")
BYTES=$(wc -c <"$WWW/metrics")
CF_PORT=$(free_port)
cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx.error.log error;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/client_body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    server {
        listen 127.0.0.1:$CF_PORT;
        root $WWW;
        location = /metrics { default_type "text/plain; version=0.0.4; charset=utf-8"; }
        location = /ready { default_type application/json; }
        location / { return 404; }
    }
}
EOF
"$NGINX_BIN" -p "$TMP/" -e "$TMP/nginx.error.log" -c "$TMP/nginx.conf" >>"$TMP/nginx.error.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
for ((i = 0; i < 100; i++)); do
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited during startup: $(tail -5 "$TMP/nginx.error.log")"
    curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$CF_PORT/ready" 2>/dev/null && break
    sleep 0.1
done
curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$CF_PORT/metrics" || die "nginx does not serve the fixture on 127.0.0.1:$CF_PORT"
log "fixture: $SERIES series in $FAMILIES families, $BYTES bytes, on 127.0.0.1:$CF_PORT (nginx)"

# --- vandine-exporter ------------------------------------------------------------------
VPORT=$(free_port)
cat >"$TMP/vandine.yml" <<EOF
modules:
  cloudflared:
    prober: cloudflared
    timeout: 5s
    cloudflared:
      address: auto
allowed_targets:
  - 127.0.0.0/8
EOF
"$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$VPORT" --log.level error \
    >"$TMP/vandine.log" 2>&1 &
VANDINE_PID=$!
PIDS+=("$VANDINE_PID")
for ((i = 0; i < 300; i++)); do
    kill -0 "$VANDINE_PID" 2>/dev/null || die "vandine-exporter exited during startup: $(tail -5 "$TMP/vandine.log")"
    curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$VPORT/-/healthy" 2>/dev/null && break
    sleep 0.1
done
PROBE_PATH="/probe?target=127.0.0.1:$CF_PORT&module=cloudflared"
body=$(curl -fsS --max-time 10 "http://127.0.0.1:$VPORT$PROBE_PATH") || die "sanity /probe failed"
grep -q '^probe_success 1$' <<<"$body" || die "sanity probe did not report probe_success 1:
$(grep -E '^(probe_|vandine_)' <<<"$body")"
PROBE_SERIES=$(grep -vc '^#' <<<"$body")
log "vandine-exporter on 127.0.0.1:$VPORT; sanity probe OK ($PROBE_SERIES series in a /probe answer)"

# --- 1. PROBES probes through /probe ----------------------------------------------------
# A small keep-alive client: CONCURRENCY threads, PROBES requests in all; every body must say
# probe_success 1 and hold as many samples as the fixture plus the probe's own.
cat >"$TMP/client.py" <<'EOF'
import http.client, sys, threading, time
port, path, total, threads, series = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lock = threading.Lock()
state = {"left": total, "bad": 0, "short": 0, "durations": []}
def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while True:
        with lock:
            if state["left"] == 0:
                return
            state["left"] -= 1
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
        lines = [l for l in body.split("\n") if l and not l.startswith("#")]
        with lock:
            if response.status != 200 or "probe_success 1" not in lines:
                state["bad"] += 1
            if len(lines) < series:
                state["short"] += 1
            for l in lines:
                if l.startswith("probe_duration_seconds "):
                    state["durations"].append(float(l.split()[1]))
start = time.monotonic()
workers = [threading.Thread(target=worker) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
wall = time.monotonic() - start
d = sorted(state["durations"])
print("wall %.3f" % wall)
print("bad %d" % state["bad"])
print("short %d" % state["short"])
print("probe_duration_mean_ms %.3f" % (1000 * sum(d) / len(d)))
print("probe_duration_p99_ms %.3f" % (1000 * d[int(len(d) * 0.99) - 1]))
EOF
# Warm-up (unmeasured): the first probes load libcurl and fill the allocator.
"$PYTHON" "$TMP/client.py" "$VPORT" "$PROBE_PATH" 100 "$CONCURRENCY" "$SERIES" >/dev/null
c0=$(cpu_ticks "$VANDINE_PID"); n0=$(cpu_ticks "$NGINX_PID")
out=$("$PYTHON" "$TMP/client.py" "$VPORT" "$PROBE_PATH" "$PROBES" "$CONCURRENCY" "$SERIES")
c1=$(cpu_ticks "$VANDINE_PID"); n1=$(cpu_ticks "$NGINX_PID")
val() { awk -v k="$1" '$1 == k {print $2}' <<<"$out"; }
WALL=$(val wall)
BAD=$(val bad)
SHORT=$(val short)
[[ $BAD == 0 && $SHORT == 0 ]] || die "$BAD probes without probe_success 1, $SHORT with fewer than $SERIES series"
PPS=$(awk -v n="$PROBES" -v w="$WALL" 'BEGIN {printf "%.0f", n / w}')
CPU=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
CPU_PER=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v n="$PROBES" 'BEGIN {printf "%.3f", (b - a) / t / n * 1000}')
NGINX_CPU=$(awk -v a="$n0" -v b="$n1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
HWM=$(awk -v k="$(status_kib "$VANDINE_PID" VmHWM)" 'BEGIN {printf "%.1f", k / 1024}')
RSS=$(awk -v k="$(status_kib "$VANDINE_PID" VmRSS)" 'BEGIN {printf "%.1f", k / 1024}')
log "$PROBES probes in ${WALL}s: $PPS probes/s, $CPU_PER ms CPU per probe, peak RSS $HWM MiB"

# --- 2. Prometheus scraping the fixture directly and through /probe ---------------------
PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: $SCRAPE_INTERVAL
  scrape_timeout: $SCRAPE_INTERVAL
scrape_configs:
  - job_name: direct
    static_configs: [{targets: ["127.0.0.1:$CF_PORT"]}]
  - job_name: vandine
    metrics_path: /probe
    params: {module: [cloudflared], target: ["127.0.0.1:$CF_PORT"]}
    static_configs: [{targets: ["127.0.0.1:$VPORT"]}]
EOF
"$PROMETHEUS_BIN" --config.file "$TMP/prometheus.yml" --storage.tsdb.path "$TMP/tsdb" \
    --web.listen-address "127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
for ((i = 0; i < 300; i++)); do
    kill -0 "$PROM_PID" 2>/dev/null || die "prometheus exited during startup: $(tail -5 "$TMP/prometheus.log")"
    curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$PPORT/-/ready" 2>/dev/null && break
    sleep 0.1
done
log "prometheus on 127.0.0.1:$PPORT scraping both every $SCRAPE_INTERVAL for ${SCRAPE_TIME}s"
sleep "$SCRAPE_TIME"
query() { # promql -> "job value" lines
    curl -fsS --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
        "$PYTHON" -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(r["metric"].get("job", "?"), r["value"][1])'
}
range="${SCRAPE_TIME}s"
pick() { awk -v j="$2" '$1 == j {print $2}' <<<"$1"; }
MEAN=$(query "avg_over_time(scrape_duration_seconds[$range])")
MAX=$(query "max_over_time(scrape_duration_seconds[$range])")
COUNT=$(query "count_over_time(scrape_duration_seconds[$range])")
UP=$(query "min_over_time(up[$range])")
SAMPLES=$(query "scrape_samples_scraped")
ms() { awk -v s="$1" 'BEGIN {printf "%.2f", s * 1000}'; }
[[ $(pick "$UP" direct) == 1 && $(pick "$UP" vandine) == 1 ]] || die "a Prometheus scrape failed: up = $UP"

report() {
    echo "$NAME benchmark: a ~600-series cloudflared exposition through vandine-exporter's /probe, next to Prometheus scraping it directly"
    echo "date:       $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "machine:    $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
    echo "vandine:    $("$VANDINE_BIN" --version 2>&1 | head -1) ($VANDINE_BIN)"
    echo "prometheus: $("$PROMETHEUS_BIN" --version 2>&1 | head -1)"
    echo "fixture:    $SERIES series in $FAMILIES families, $BYTES bytes (generate.py --big), nginx $("$NGINX_BIN" -v 2>&1 | sed -n 's|.*nginx/||p') on 127.0.0.1"
    echo
    echo "1. $PROBES probes through /probe (module cloudflared, $CONCURRENCY keep-alive connections, after 100 unmeasured)"
    printf '   %-34s %s\n' "probes/s" "$PPS"
    printf '   %-34s %s\n' "wall s" "$WALL"
    printf '   %-34s %s\n' "exporter CPU s" "$CPU"
    printf '   %-34s %s\n' "exporter CPU ms per probe" "$CPU_PER"
    printf '   %-34s %s\n' "nginx CPU s" "$NGINX_CPU"
    printf '   %-34s %s\n' "peak RSS MiB (VmHWM)" "$HWM"
    printf '   %-34s %s\n' "RSS MiB after" "$RSS"
    printf '   %-34s %s\n' "probe_duration_seconds mean ms" "$(val probe_duration_mean_ms)"
    printf '   %-34s %s\n' "probe_duration_seconds p99 ms" "$(val probe_duration_p99_ms)"
    printf '   %-34s %s\n' "series per /probe answer" "$PROBE_SERIES"
    echo
    echo "2. Prometheus scraping every $SCRAPE_INTERVAL for ${SCRAPE_TIME}s (its own scrape_duration_seconds)"
    printf '   %-34s %12s %12s %12s\n' "" "direct" "via /probe" "ratio"
    printf '   %-34s %12s %12s %12s\n' "scrape_duration_seconds mean ms" "$(ms "$(pick "$MEAN" direct)")" "$(ms "$(pick "$MEAN" vandine)")" \
        "$(awk -v a="$(pick "$MEAN" vandine)" -v b="$(pick "$MEAN" direct)" 'BEGIN {printf "%.2f", a / b}')"
    printf '   %-34s %12s %12s\n' "scrape_duration_seconds max ms" "$(ms "$(pick "$MAX" direct)")" "$(ms "$(pick "$MAX" vandine)")"
    printf '   %-34s %12s %12s\n' "scrapes" "$(pick "$COUNT" direct)" "$(pick "$COUNT" vandine)"
    printf '   %-34s %12s %12s\n' "scrape_samples_scraped" "$(pick "$SAMPLES" direct)" "$(pick "$SAMPLES" vandine)"
}
report_text=$(report)
echo
echo "$report_text"
mkdir -p "$(dirname "$RESULTS")"
echo "$report_text" >"$RESULTS"
echo
echo "results written to ${RESULTS#"$REPO_ROOT"/}"
