#!/usr/bin/env bash
# Side-by-side benchmark: HTTP probes through vandine-exporter vs
# prometheus-blackbox-exporter (Debian package), both on loopback.
#
# wrk hammers GET /probe?target=http://127.0.0.1:NPORT/health&module=http_2xx on
# each exporter in turn (same settings); every request makes the exporter GET a
# 200-byte static file from a local nginx over a new connection. Measured per
# exporter: requests/s, p99 latency, CPU seconds per 1,000 probes, peak RSS.
#
# Target: requests/s >= blackbox, CPU per probe <= blackbox, RSS <= blackbox.
#
# Environment (all optional; see lib/side_by_side.sh): VANDINE_BIN, BLACKBOX_BIN,
# DURATION, WARMUP, CONNECTIONS, THREADS, CHECK_BODIES,
# RESULTS (default benchmarks/results/probe_http.txt), and
# NGINX_BIN (default nginx, then /usr/sbin/nginx; Debian package nginx-light).
#
# Exit status: 0 targets met, 2 targets missed (results still written),
# 1 the benchmark itself failed (setup, sanity check, >1% errors).
#
# All traffic stays on 127.0.0.1. The script changes no system settings.
set -euo pipefail

# shellcheck source=lib/side_by_side.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/side_by_side.sh"
sbs_setup probe_http

if [[ -n ${NGINX_BIN:-} ]]; then
    nginx_path=$(command -v "$NGINX_BIN") || die "nginx not found: $NGINX_BIN (NGINX_BIN)"
    NGINX_BIN=$nginx_path
else # /usr/sbin is not on every user's PATH
    NGINX_BIN=$(command -v nginx || command -v /usr/sbin/nginx) || die "nginx not found (Debian package nginx-light)"
fi

# --- nginx serving /health ---------------------------------------------------
# Its own config in the temp dir; nothing under /etc/nginx or /var is read or written.
# - daemon off, master_process off: one single-threaded process, the one we start, so its
#   CPU is the server's CPU and the trap's kill stops it (like the TCP listener).
# - keepalive_timeout 0: nginx answers with "Connection: close" and closes, so every probe
#   is one new connection and one request whatever either prober does about connection
#   reuse - what a real probe (one per scrape) sees, and it keeps TIME_WAIT on nginx's side.
# - access_log off, error_log at "error": no disk writes per request.
# - temp paths: nginx creates them at startup; the compiled-in ones are under /var/lib/nginx.
# The port comes from free_port (nginx cannot report a port-0 bind): a race with another
# process taking it in between is possible but shows up as "address already in use" below.
NGINX_DIR=$TMP/nginx
mkdir -p "$NGINX_DIR/www"
# 200 bytes: a small status page, the size a health check usually fetches
head -c 199 /dev/zero | tr '\0' 'x' >"$NGINX_DIR/www/health"
echo >>"$NGINX_DIR/www/health"
TARGET_PORT=$(free_port)
cat >"$NGINX_DIR/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log error;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_timeout 0;
    default_type text/plain;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
    server {
        # backlog as the TCP listener's: the kernel caps it at net.core.somaxconn
        listen 127.0.0.1:$TARGET_PORT backlog=65535;
        root $NGINX_DIR/www;
        location = /health { }
        location / { return 404; }
    }
}
EOF
# -e: the log nginx writes to before it has read the config
"$NGINX_BIN" -p "$NGINX_DIR/" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
    >>"$NGINX_DIR/error.log" 2>&1 &
TARGET_PID=$!
for ((i = 0; i < 100; i++)); do
    kill -0 "$TARGET_PID" 2>/dev/null || die "nginx exited during startup: $(tail -5 "$NGINX_DIR/error.log")"
    size=$(curl -fsS --max-time 1 -o /dev/null -w '%{size_download}' \
        "http://127.0.0.1:$TARGET_PORT/health" 2>/dev/null) && break
    sleep 0.1
done
[[ ${size:-} == 200 ]] ||
    die "nginx did not serve the 200-byte /health on 127.0.0.1:$TARGET_PORT within 10 s (got '${size:-}'): $(tail -5 "$NGINX_DIR/error.log")"

# --- the comparison ------------------------------------------------------------
BENCH_MODULE=http_2xx
VANDINE_MODULE_YAML='  http_2xx:
    prober: http
    timeout: 5s'
BLACKBOX_MODULE_YAML='  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4'
PROBE_TARGET=http://127.0.0.1:$TARGET_PORT/health
TARGET_NAME=nginx
BENCH_TITLE="HTTP GET probes"
TARGET_DESC="$PROBE_TARGET (nginx $("$NGINX_BIN" -v 2>&1 | sed -n 's|.*nginx/||p'), 1 process, 200-byte static file, no keep-alive), module http_2xx, timeout 5s"
sbs_run
