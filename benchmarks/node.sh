#!/usr/bin/env bash
# node benchmark: system statistics of THIS machine, one scrape at a time, four ways in one run:
#
#  (a) Debian's prometheus-node-exporter with only the node module's collectors
#      (--collector.disable-defaults + the same 20), scraped on /metrics;
#  (b) vandine-exporter's node module, source local, through /probe;
#  (c) vandine-exporter's node module, source ssh, through /probe, against a loopback sshd started
#      here with its own config, host key and client key (warm pooled session);
#  (d) a fresh `ssh` CLI login per scrape to the same sshd running the same batch
#      (Tests/ProbesTests/Fixtures/node/batch.sh, the script the prober sends).
#
# For each: SCRAPES (default 200) sequential scrapes after WARMUP (default 10); p50/p99 latency,
# CPU per scrape on the exporter side (utime+stime of the exporter; for (d) of sshd and its
# children, i.e. the login and the batch), peak RSS (VmHWM) of the exporter. Also (e): DEVICES
# (default 50) devices, each its own session to the loopback sshd, scraped at once: wall time and
# exporter RSS.
#
# Targets (issue 7): (b) CPU per scrape and RSS <= 1.0x node_exporter's; (c) p50 <= 2x
# node_exporter's p50 and >= 10x faster than (d).
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), NODE_EXPORTER_BIN,
# SCRAPES, WARMUP, DEVICES, RESULTS, SSH_USER (default: the user running this; sshd runs every
# command through that user's login shell, and bash started by sshd reads ~/.bashrc even for a
# command: a heavy ~/.bashrc is paid by every scrape, so pick a user whose shell is sh or ash).
# Exit status: 0 targets met, 2 targets missed (results still written), 1 the benchmark failed.
# All traffic stays on 127.0.0.1; sshd runs from a temporary directory with its own config and
# keys (it needs /run/sshd, created if missing); nothing under /etc is changed.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=node
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }

VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
[[ $VANDINE_BIN == /* ]] || VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"
[[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (build it or set VANDINE_BIN)"
NODE_EXPORTER_BIN=$(command -v "${NODE_EXPORTER_BIN:-prometheus-node-exporter}") \
    || die "prometheus-node-exporter not found (apt-get install prometheus-node-exporter)"
SSHD_BIN=/usr/sbin/sshd
[[ -x $SSHD_BIN ]] || die "sshd not found (apt-get install openssh-server)"
for tool in curl ssh ssh-keygen getconf; do command -v $tool >/dev/null || die "$tool not found"; done
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
SCRAPES=${SCRAPES:-200}
WARMUP=${WARMUP:-10}
DEVICES=${DEVICES:-50}
RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/$NAME.txt}
BATCH=$REPO_ROOT/Tests/ProbesTests/Fixtures/node/batch.sh
[[ -r $BATCH ]] || die "batch script not found: $BATCH"
CLK_TCK=$(getconf CLK_TCK)
COLLECTORS=(cpu stat meminfo loadavg filesystem netdev netclass diskstats vmstat sockstat netstat tcpstat hwmon thermal_zone
            uname os time pressure entropy filefd)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
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
children_ticks() { # pid -> cutime+cstime in ticks (reaped children: sshd's per-login processes)
    local stat rest
    local -a f
    stat=$(<"/proc/$1/stat")
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo $(( f[13] + f[14] ))
}
status_kib() { # pid key -> value in KiB
    local k v _
    while read -r k v _; do [[ $k == "$2:" ]] && { echo "$v"; return; }; done <"/proc/$1/status"
    echo 0
}
wait_http() { # name pid url
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$2" 2>/dev/null || die "$1 exited during startup: $(tail -5 "$TMP/$1.log")"
        curl -fsS --max-time 1 "$3" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$1 did not answer $3 within 30 s"
}
# percentile FILE P -> the P-th percentile (nearest rank) of the numbers in FILE, in ms
percentile() {
    sort -n "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int((p/100)*NR+0.999999); if (i<1) i=1; printf "%.2f", a[i]*1000}'
}
# measure LABEL PID CMD... : WARMUP + SCRAPES runs of CMD (must exit 0); latencies to $TMP/LABEL.lat
measure() {
    local label=$1 pid=$2 i t0 t1 before after
    shift 2
    for ((i = 0; i < WARMUP; i++)); do "$@" >/dev/null || die "$label: warmup scrape failed"; done
    before=$(cpu_ticks "$pid")
    : >"$TMP/$label.lat"
    for ((i = 0; i < SCRAPES; i++)); do
        t0=$(date +%s.%N)
        "$@" >"$TMP/$label.out" || die "$label: scrape $i failed"
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l >>"$TMP/$label.lat"
    done
    after=$(cpu_ticks "$pid")
    CPU_MS[$label]=$(echo "($after - $before) * 1000 / $CLK_TCK / $SCRAPES" | bc -l)
    P50[$label]=$(percentile "$TMP/$label.lat" 50)
    P99[$label]=$(percentile "$TMP/$label.lat" 99)
}
command -v bc >/dev/null || die "bc not found (apt-get install bc)"
declare -A CPU_MS P50 P99 RSS FLEET_WALL FLEET_OK

# --- sshd on loopback with its own keys ----------------------------------------------
mkdir -p -m 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/client_key"
cp "$TMP/client_key.pub" "$TMP/authorized_keys"
SSH_PORT=$(free_port)
USER_NAME=${SSH_USER:-$(id -un)}
USER_SHELL=$(getent passwd "$USER_NAME" | cut -d: -f7) || die "no user $USER_NAME"
# sshd reads AuthorizedKeysFile as the user logging in.
chmod 0755 "$TMP"
cat >"$TMP/sshd_config" <<CFG
ListenAddress 127.0.0.1:$SSH_PORT
HostKey $TMP/host_key
AuthorizedKeysFile $TMP/authorized_keys
PidFile $TMP/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
PermitRootLogin prohibit-password
MaxStartups 200
MaxSessions 200
CFG
"$SSHD_BIN" -D -e -f "$TMP/sshd_config" 2>"$TMP/sshd.log" &
SSHD_PID=$!
PIDS+=("$SSHD_PID")
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$TMP/host_key.pub")" >"$TMP/known_hosts"
SSH_CMD=(ssh -F none -i "$TMP/client_key" -p "$SSH_PORT" -o BatchMode=yes -o UserKnownHostsFile="$TMP/known_hosts"
         -o StrictHostKeyChecking=yes "$USER_NAME@127.0.0.1")
for ((i = 0; i < 100; i++)); do "${SSH_CMD[@]}" true 2>/dev/null && break; sleep 0.1; done
"${SSH_CMD[@]}" true || die "cannot log in to the loopback sshd: $(tail -5 "$TMP/sshd.log")"

# --- (a) node_exporter -----------------------------------------------------------------
NE_PORT=$(free_port)
"$NODE_EXPORTER_BIN" --web.listen-address="127.0.0.1:$NE_PORT" --collector.disable-defaults \
    "${COLLECTORS[@]/#/--collector.}" >"$TMP/node_exporter.log" 2>&1 &
NE_PID=$!
PIDS+=("$NE_PID")
wait_http node_exporter "$NE_PID" "http://127.0.0.1:$NE_PORT/metrics"
log "(a) node_exporter: $SCRAPES scrapes"
measure a "$NE_PID" curl -fsS "http://127.0.0.1:$NE_PORT/metrics"
RSS[a]=$(status_kib "$NE_PID" VmHWM)

# --- vandine-exporter: local and ssh modules, DEVICES devices on the same sshd ---------
V_PORT=$(free_port)
{
    printf 'modules:\n  node:\n    prober: node\n    timeout: 10s\n    node: {source: local}\n'
    printf '  node_ssh:\n    prober: node\n    timeout: 10s\n    node: {source: ssh}\n'
    printf 'devices:\n  - name: localhost\n    address: 127.0.0.1\n    modules: [node]\n'
    for ((i = 0; i < DEVICES; i++)); do
        printf '  - name: dev%d\n    address: 127.0.0.1\n    modules: [node_ssh]\n' "$i"
        printf '    ssh: {user: %s, port: %d, private_key_file: %s, known_hosts_file: %s}\n' \
            "$USER_NAME" "$SSH_PORT" "$TMP/client_key" "$TMP/known_hosts"
    done
    printf 'allowed_targets: [127.0.0.0/8, localhost]\n'
} >"$TMP/vandine.yml"
"$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$V_PORT" >"$TMP/vandine.log" 2>&1 &
V_PID=$!
PIDS+=("$V_PID")
wait_http vandine "$V_PID" "http://127.0.0.1:$V_PORT/-/healthy"
curl -fsS "http://127.0.0.1:$V_PORT/probe?target=localhost&module=node" | grep -q '^probe_success 1' \
    || die "(b) the local node module does not succeed"
log "(b) vandine local: $SCRAPES scrapes"
measure b "$V_PID" curl -fsS "http://127.0.0.1:$V_PORT/probe?target=localhost&module=node"
RSS[b]=$(status_kib "$V_PID" VmHWM)

logins() { grep -c 'Accepted publickey' "$TMP/sshd.log" || true; }
LOGINS_BEFORE=$(logins)
curl -fsS "http://127.0.0.1:$V_PORT/probe?target=dev0&module=node_ssh" | grep -q '^probe_success 1' \
    || die "(c) the ssh node module does not succeed: $(curl -fsS "http://127.0.0.1:$V_PORT/probe?target=dev0&module=node_ssh&debug=true" | grep -m3 -iE 'ssh|fail' || true)"
log "(c) vandine ssh (warm session): $SCRAPES scrapes"
measure c "$V_PID" curl -fsS "http://127.0.0.1:$V_PORT/probe?target=dev0&module=node_ssh"
RSS[c]=$(status_kib "$V_PID" VmHWM)
log "(e) $DEVICES devices at once"
for round in cold warm; do
    t0=$(date +%s.%N)
    FLEET=()
    for ((i = 0; i < DEVICES; i++)); do
        curl -fsS "http://127.0.0.1:$V_PORT/probe?target=dev$i&module=node_ssh" >"$TMP/dev$i.out" &
        FLEET+=($!)
    done
    wait "${FLEET[@]}" || true
    t1=$(date +%s.%N)
    FLEET_WALL[$round]=$(echo "($t1 - $t0) * 1000" | bc -l)
    FLEET_OK[$round]=$(grep -l '^probe_success 1' "$TMP"/dev*.out | wc -l)
done
RSS[e]=$(status_kib "$V_PID" VmHWM)
VANDINE_LOGINS=$(( $(logins) - LOGINS_BEFORE ))

# --- (d) a fresh ssh login per scrape, same batch ------------------------------------
log "(d) fresh ssh login + batch: $SCRAPES scrapes"
d_before=$(children_ticks "$SSHD_PID")
ssh_batch() { "${SSH_CMD[@]}" sh -s <"$BATCH"; }
measure d "$SSHD_PID" ssh_batch
d_after=$(children_ticks "$SSHD_PID")
CPU_MS[d]=$(echo "($d_after - $d_before) * 1000 / $CLK_TCK / $SCRAPES" | bc -l)
grep -q '^/proc/stat:cpu' "$TMP/d.out" || die "(d) the batch printed no /proc/stat"

# --- report ----------------------------------------------------------------------------
ratio() { echo "scale=2; $1 / $2" | bc -l; }
MISSED=0
check() { # description ok(1/0)
    if [[ $2 == 1 ]]; then echo "  target met:    $1"; else echo "  target MISSED: $1"; MISSED=1; fi
}
{
    echo "node benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $SCRAPES sequential scrapes after $WARMUP warm-up"
    echo "node_exporter $("$NODE_EXPORTER_BIN" --version 2>&1 | head -1 | awk '{print $3}'), collectors: ${COLLECTORS[*]}"
    echo "ssh user for (c), (d), (e): $USER_NAME, login shell $USER_SHELL"
    printf '%-44s %9s %9s %14s %12s\n' "" "p50 ms" "p99 ms" "CPU ms/scrape" "peak RSS MiB"
    row() { printf '%-44s %9s %9s %14.2f %12s\n' "$1" "${P50[$2]}" "${P99[$2]}" "${CPU_MS[$2]}" "${3:-}"; }
    row "(a) node_exporter /metrics" a "$(echo "scale=1; ${RSS[a]} / 1024" | bc -l)"
    row "(b) vandine node, source local (/probe)" b "$(echo "scale=1; ${RSS[b]} / 1024" | bc -l)"
    row "(c) vandine node, source ssh, warm session" c "$(echo "scale=1; ${RSS[c]} / 1024" | bc -l)"
    row "(d) fresh ssh login + batch (sshd side CPU)" d ""
    for round in cold warm; do
        echo "(e) $DEVICES devices at once ($round): ${FLEET_WALL[$round]%.*} ms wall, ${FLEET_OK[$round]}/$DEVICES probe_success 1"
    done
    echo "    exporter peak RSS after (e): $(echo "scale=1; ${RSS[e]} / 1024" | bc -l) MiB; SSH logins by the exporter in (c) and (e): $VANDINE_LOGINS"
    echo "ratios and targets:"
    r_cpu=$(ratio "${CPU_MS[b]}" "${CPU_MS[a]}"); r_rss=$(ratio "${RSS[b]}" "${RSS[a]}")
    check "(b) CPU per scrape ${r_cpu}x node_exporter's (<= 1.0)" "$(echo "$r_cpu <= 1.0" | bc -l)"
    check "(b) peak RSS ${r_rss}x node_exporter's (<= 1.0)" "$(echo "$r_rss <= 1.0" | bc -l)"
    r_p50=$(ratio "${P50[c]}" "${P50[a]}"); r_d=$(ratio "${P50[d]}" "${P50[c]}")
    check "(c) p50 ${r_p50}x node_exporter's p50 (<= 2.0)" "$(echo "$r_p50 <= 2.0" | bc -l)"
    check "(c) ${r_d}x faster than a fresh login (d) (>= 10)" "$(echo "$r_d >= 10" | bc -l)"
    check "(e) all $DEVICES devices probe_success 1 in both rounds" "$([[ ${FLEET_OK[cold]} == "$DEVICES" && ${FLEET_OK[warm]} == "$DEVICES" ]] && echo 1 || echo 0)"
    echo "(d) p50 $(ratio "${P50[d]}" "${P50[a]}")x node_exporter's p50"
} >"$RESULTS"
# Not `| tee`: the pipeline's subshell would keep MISSED to itself.
cat "$RESULTS"
[[ $MISSED == 0 ]] || exit 2
