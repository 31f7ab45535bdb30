#!/usr/bin/env bash
# Rule evaluation benchmark: RULES alerting rules (default 500) in one group over SERIES series
# (default 2,000, four per rule), evaluated every 15 s, by alertmanager-lite and by Prometheus
# itself, in the same run:
#
#  - a static exposition of the series (`bench_value{rule="rN",instance="iK"}`, one rule in ten
#    above its threshold, so alerts fire) served by a local Python HTTP server;
#  - Prometheus P0 scrapes it every 15 s and has no rules: alertmanager-lite's datasource;
#  - Prometheus P1 scrapes it the same way and evaluates the same rule file itself;
#  - alertmanager-lite evaluates the rule file against P0's query API.
#
# After a warm-up (both sides have evaluated once) every side is measured for DURATION seconds
# (default 120, 8 rounds): Prometheus P1's `prometheus_rule_group_last_duration_seconds` and our
# `alertmanager_lite_rule_group_last_duration_seconds`, read after every round (mean, max); CPU
# seconds of each process over the window (utime+stime from /proc/PID/stat), so "the CPU
# Prometheus adds for rules" is P1 − P0's scrape-only share and ours is alertmanager-lite plus
# what P0 spends answering our queries; our peak RSS (VmHWM).
#
# Targets (issue 9): our round ≤ 1.5 × Prometheus's group time; our RSS ≤ 30 MB.
#
# Environment (optional): AMLITE_BIN (default .build/release/alertmanager-lite), PROMETHEUS_BIN,
# RULES, DURATION, RESULTS.
#
# Exit status: 0 targets met, 2 targets missed (results still written), 1 the benchmark failed.
# All traffic stays on 127.0.0.1; nothing under /etc is read or changed.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=rules
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }

AMLITE_BIN=${AMLITE_BIN:-.build/release/alertmanager-lite}
[[ $AMLITE_BIN == /* ]] || AMLITE_BIN="$REPO_ROOT/$AMLITE_BIN"
[[ -x $AMLITE_BIN ]] || die "alertmanager-lite binary not found: $AMLITE_BIN (build it or set AMLITE_BIN)"
PROMETHEUS_BIN=$(command -v "${PROMETHEUS_BIN:-prometheus}") || die "prometheus not found (apt-get install prometheus)"
command -v curl >/dev/null || die "curl not found"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
RULES=${RULES:-500}
DURATION=${DURATION:-120}
INTERVAL=15
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
metric_value() { # url metric-name -> first sample's value (empty when absent)
    # awk reads to the end: an early `exit` makes curl fail with a write error (23), and pipefail
    # plus errexit then end the script in the middle of the measurement.
    curl -sf "$1" | awk -v name="$2" '!found && ($1 == name || index($1, name "{") == 1) { print $NF; found = 1 }'
}
wait_for() { # seconds command... -> polls until the command succeeds
    local limit=$1; shift
    local end=$(( SECONDS + limit ))
    until "$@" >/dev/null 2>&1; do
        (( SECONDS < end )) || return 1
        sleep 0.5
    done
}

# --- the series and the rules ------------------------------------------------------------
mkdir -p "$TMP/www" "$TMP/p0" "$TMP/p1"
"$PYTHON" - "$RULES" "$TMP/www/metrics" "$TMP/rules.yml" <<'EOF'
import sys
rules, metrics_path, rules_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(metrics_path, "w") as out:
    out.write("# HELP bench_value A benchmark gauge.\n# TYPE bench_value gauge\n")
    for r in range(rules):
        for i in range(4):
            value = 90 + i if r % 10 == 0 else 10 + i
            out.write(f'bench_value{{rule="r{r}",instance="i{i}"}} {value}\n')
with open(rules_path, "w") as out:
    out.write("groups:\n  - name: bench\n    interval: 15s\n    rules:\n")
    for r in range(rules):
        out.write(f"      - alert: BenchHigh{r}\n")
        out.write(f"        expr: bench_value{{rule=\"r{r}\"}} > 50\n")
        out.write("        for: 30s\n")
        out.write("        labels: {severity: warning}\n")
        out.write("        annotations:\n")
        out.write("          summary: '{{ $labels.instance }} of rule {{ $labels.rule }} is {{ $value | humanize }}'\n")
EOF
SERIES=$(( RULES * 4 ))

TARGET_PORT=$(free_port)
(cd "$TMP/www" && exec "$PYTHON" -m http.server --bind 127.0.0.1 "$TARGET_PORT") >"$TMP/target.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$TARGET_PORT/metrics" || die "the series server did not start"

start_prometheus() { # name port [rule-file] -> pid in PROM_PID
    local name=$1 port=$2 rules=${3:-}
    {
        echo "global: {scrape_interval: ${INTERVAL}s, evaluation_interval: ${INTERVAL}s}"
        [[ -n $rules ]] && echo "rule_files: [$rules]"
        echo "scrape_configs:"
        echo "  - job_name: bench"
        echo "    static_configs: [{targets: ['127.0.0.1:$TARGET_PORT']}]"
    } >"$TMP/$name.yml"
    "$PROMETHEUS_BIN" --config.file="$TMP/$name.yml" --storage.tsdb.path="$TMP/$name" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn >"$TMP/$name.log" 2>&1 &
    PROM_PID=$!
    PIDS+=($PROM_PID)
    wait_for 60 curl -sf "http://127.0.0.1:$port/-/ready" || die "Prometheus $name did not start (see $TMP/$name.log)"
}

P0_PORT=$(free_port); start_prometheus p0 "$P0_PORT"; P0_PID=$PROM_PID
P1_PORT=$(free_port); start_prometheus p1 "$P1_PORT" "$TMP/rules.yml"; P1_PID=$PROM_PID
log "waiting for the first scrape ($SERIES series)"
has_series() { [[ $(curl -sf "http://127.0.0.1:$P0_PORT/api/v1/query?query=count(bench_value)" | grep -o '"[0-9]*"\]' | tr -dc 0-9) == "$SERIES" ]]; }
wait_for 60 has_series || die "Prometheus P0 did not scrape the $SERIES series"

AM_PORT=$(free_port)
cat >"$TMP/alertmanager-lite.yml" <<EOF
datasource:
  url: http://127.0.0.1:$P0_PORT
evaluation_interval: ${INTERVAL}s
rule_files: [$TMP/rules.yml]
storage:
  path: $TMP/state.db
EOF
"$AMLITE_BIN" --config.file="$TMP/alertmanager-lite.yml" --web.listen-address="127.0.0.1:$AM_PORT" \
    --log.level=warn >"$TMP/alertmanager-lite.log" 2>&1 &
AM_PID=$!
PIDS+=($AM_PID)
wait_for 30 curl -sf "http://127.0.0.1:$AM_PORT/-/ready" || die "alertmanager-lite did not start (see $TMP/alertmanager-lite.log)"

OURS_URL="http://127.0.0.1:$AM_PORT/metrics"
THEIRS_URL="http://127.0.0.1:$P1_PORT/metrics"
OURS_METRIC=alertmanager_lite_rule_group_last_duration_seconds
THEIRS_METRIC=prometheus_rule_group_last_duration_seconds
log "waiting for both sides' first evaluation round"
evaluated() { [[ -n $(metric_value "$OURS_URL" "$OURS_METRIC") && -n $(metric_value "$THEIRS_URL" "$THEIRS_METRIC") ]] \
    && awk "BEGIN { exit !($(metric_value "$OURS_URL" "$OURS_METRIC") > 0) }"; }
wait_for $(( INTERVAL * 3 )) evaluated || die "no evaluation round within $(( INTERVAL * 3 )) s (see $TMP/alertmanager-lite.log)"

log "measuring for $DURATION s"
c_am0=$(cpu_ticks "$AM_PID"); c_p0=$(cpu_ticks "$P0_PID"); c_p1=$(cpu_ticks "$P1_PID")
ours=(); theirs=()
end=$(( SECONDS + DURATION ))
while (( SECONDS < end )); do
    sleep "$INTERVAL"
    ours+=("$(metric_value "$OURS_URL" "$OURS_METRIC")")
    theirs+=("$(metric_value "$THEIRS_URL" "$THEIRS_METRIC")")
done
c_am1=$(cpu_ticks "$AM_PID"); c_p01=$(cpu_ticks "$P0_PID"); c_p11=$(cpu_ticks "$P1_PID")
rss_kib=$(status_kib "$AM_PID" VmHWM)
firing=$(curl -sf "http://127.0.0.1:$AM_PORT/api/v1/alerts" | grep -o '"state":"firing"' | wc -l)
firing_prom=$(curl -sf "http://127.0.0.1:$P1_PORT/api/v1/alerts" | grep -o '"state":"firing"' | wc -l)

stats() { printf '%s\n' "$@" | awk 'NF { s += $1; if ($1 > m) m = $1; n++ } END { if (n) printf "%.4f %.4f %d", s / n, m, n; else print "0 0 0" }'; }
read -r ours_mean ours_max ours_n <<<"$(stats "${ours[@]}")"
read -r theirs_mean theirs_max theirs_n <<<"$(stats "${theirs[@]}")"
rounds=$(( DURATION / INTERVAL ))
cpu() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }'; }
am_cpu=$(cpu $(( c_am1 - c_am0 ))); p0_cpu=$(cpu $(( c_p01 - c_p0 ))); p1_cpu=$(cpu $(( c_p11 - c_p1 )))
ratio=$(awk -v a="$ours_mean" -v b="$theirs_mean" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
round_ok=$(awk -v r="$ratio" 'BEGIN { print (r != "inf" && r <= 1.5) ? "PASS" : "FAIL" }')
rss_ok=$(awk -v m="$rss_mib" 'BEGIN { print (m <= 30) ? "PASS" : "FAIL" }')

mkdir -p "$(dirname "$RESULTS")"
{
    echo "Rule evaluation: $RULES alerting rules over $SERIES series, one group, every ${INTERVAL}s"
    echo "date: $(date -u +%FT%TZ); machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "prometheus: $("$PROMETHEUS_BIN" --version 2>&1 | head -1); alertmanager-lite: $("$AMLITE_BIN" --version 2>&1 | head -1)"
    echo "window: $DURATION s (~$rounds rounds)"
    echo
    printf '%-52s %12s %12s\n' "" "ours" "Prometheus"
    printf '%-52s %12s %12s\n' "group round, mean of $ours_n/$theirs_n readings (s)" "$ours_mean" "$theirs_mean"
    printf '%-52s %12s %12s\n' "group round, max (s)" "$ours_max" "$theirs_max"
    printf '%-52s %12s %12s\n' "CPU over the window: evaluator process (s)" "$am_cpu" "$p1_cpu"
    printf '%-52s %12s %12s\n' "CPU over the window: P0, scrapes + our queries (s)" "$p0_cpu" "-"
    printf '%-52s %12s %12s\n' "firing alerts at the end" "$firing" "$firing_prom"
    printf '%-52s %12s\n' "alertmanager-lite peak RSS (MiB)" "$rss_mib"
    echo
    echo "round ratio ours/Prometheus: $ratio (target <= 1.5): $round_ok"
    echo "RSS: $rss_mib MiB (target <= 30): $rss_ok"
    echo "(Prometheus P1's CPU includes its scrapes; P0 does the same scrapes without rules, so"
    echo " P1 − P0 + (P0's query share) compares the two evaluators' total cost.)"
} | tee "$RESULTS"

[[ $round_ok == PASS && $rss_ok == PASS ]] || exit 2
