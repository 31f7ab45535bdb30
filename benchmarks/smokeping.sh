#!/usr/bin/env bash
# Side-by-side benchmark: continuous mode (the `smokeping:` section of vandine-exporter) vs
# Debian's prometheus-smokeping-prober, each pinging the same 1,024 loopback targets
# (127.0.0.1 … 127.0.4.0) once per second.
#
# Each side runs alone (one after the other: both read every echo reply on lo through their raw
# sockets, so running them together would charge each with the other's traffic). After a
# warm-up that waits until every target has a series, each is measured for DURATION:
# CPU seconds (utime+stime from /proc), peak RSS (VmHWM) and sampled RSS, requests and replies
# (from its own /metrics, so loss is visible: a side that stops pinging cannot look cheap).
#
# Targets: CPU <= 0.5 x smokeping_prober's, peak RSS <= smokeping_prober's.
#
# Needs root (raw ICMP sockets: smokeping_prober runs with --privileged) and a vandine-exporter
# with the real ICMP engine wired in (VandineExporterCommand); a build whose engine cannot open
# sockets answers no echo and the script stops with that reason.
#
# Environment (all optional): VANDINE_BIN (default .build/release/vandine-exporter),
# SMOKEPING_BIN (default prometheus-smokeping-prober), DURATION (seconds, default 60),
# WARMUP_TIMEOUT (seconds, default 30), TARGETS (default 1024, at most 1024),
# RESULTS (default benchmarks/results/smokeping.txt).
#
# Exit status: 0 targets met, 2 targets missed (results still written), 1 the benchmark failed.
#
# All traffic stays on 127.0.0.0/8. The script changes no system settings.
set -euo pipefail

# shellcheck source=lib/side_by_side.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/side_by_side.sh"
BENCH_NAME=smokeping

VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
SMOKEPING_BIN=${SMOKEPING_BIN:-prometheus-smokeping-prober}
DURATION=${DURATION:-60}
WARMUP_TIMEOUT=${WARMUP_TIMEOUT:-30}
TARGETS=${TARGETS:-1024}
RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/smokeping.txt}
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3

if [[ $VANDINE_BIN != /* ]]; then
    if [[ -x $VANDINE_BIN ]]; then VANDINE_BIN="$PWD/$VANDINE_BIN"; else VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"; fi
fi
[[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (make release, or set VANDINE_BIN)"
SMOKEPING_BIN=$(command -v "$SMOKEPING_BIN") || die "prometheus-smokeping-prober not found (apt-get install prometheus-smokeping-prober)"
[[ $(id -u) == 0 ]] || die "run as root: both sides need raw ICMP sockets (smokeping_prober --privileged)"
((TARGETS >= 1 && TARGETS <= 1024)) || die "TARGETS must be 1-1024, got $TARGETS"
for tool in curl:curl getconf:libc-bin; do
    command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} not found (Debian package ${tool##*:})"
done
CLK_TCK=$(getconf CLK_TCK)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smokeping.XXXXXX")
PID="" SAMPLER_PID=""
cleanup() {
    local rc=$? pid i
    for pid in $SAMPLER_PID $PID; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $SAMPLER_PID $PID; do
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the 1,024 targets: 127.0.0.1 … 127.0.4.0 -----------------------------------------
HOSTS=()
for ((n = 1; n <= TARGETS; n++)); do HOSTS+=("127.0.$((n / 256)).$((n % 256))"); done
{
    echo "smokeping:"
    echo "  interval: 1s"
    echo "  targets:"
    printf '    - %s\n' "${HOSTS[@]}"
} >"$TMP/vandine.yml"
echo "targets: []" >"$TMP/smokeping_prober.yml"

# Sums of a family over all series on /metrics: "requests replies series". A saturated
# smokeping_prober can take seconds to answer: a generous timeout, and a failed scrape is an
# error (never a silent 0).
totals() { # port [timeout]
    local body
    body=$(curl -fsS --max-time "${2:-30}" "http://127.0.0.1:$1/metrics") || return 1
    awk '
        /^smokeping_requests_total\{/ { r += $NF; s++ }
        /^smokeping_response_duration_seconds_count\{/ { c += $NF }
        END { printf "%d %d %d\n", r, c, s }' <<<"$body"
}

declare -A R
measure() { # name
    local name=$1 port t0 c0 c1 totals0 totals1 i s c
    port=$(free_port)
    if [[ $name == vandine ]]; then
        "$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$port" --log.level error \
            >"$TMP/$name.log" 2>&1 &
    else
        "$SMOKEPING_BIN" --config.file="$TMP/smokeping_prober.yml" --privileged --ping.interval=1s \
            --web.listen-address="127.0.0.1:$port" --log.level=error "${HOSTS[@]}" >"$TMP/$name.log" 2>&1 &
    fi
    PID=$!
    # Warm-up: every target has a series and at least one reply came back.
    for ((i = 0; i < WARMUP_TIMEOUT * 10; i++)); do
        kill -0 "$PID" 2>/dev/null || die "$name exited during startup: $(tail -5 "$TMP/$name.log")"
        read -r _ c s < <(totals "$port" 5 2>/dev/null || echo "0 0 0")
        ((s == TARGETS && c > 0)) && break
        sleep 0.1
    done
    ((s == TARGETS)) || die "$name: $s of $TARGETS targets have series after ${WARMUP_TIMEOUT}s: $(tail -5 "$TMP/$name.log")"
    ((c > 0)) || die "$name: no echo reply after ${WARMUP_TIMEOUT}s (vandine: is the real ICMP engine wired in?): $(tail -5 "$TMP/$name.log")"
    sleep 2  # let the first turn of sends finish

    log "$name: measuring $DURATION s, $TARGETS targets at 1 s"
    rss_sampler "$PID" "$TMP/$name.rssmax" &
    SAMPLER_PID=$!
    totals0=$(totals "$port") || die "$name: /metrics did not answer within 30 s"
    totals0=${totals0%$'\n'}
    c0=$(cpu_ticks "$PID"); t0=$(date +%s.%N)
    sleep "$DURATION"
    c1=$(cpu_ticks "$PID")
    totals1=$(totals "$port") || die "$name: /metrics did not answer within 30 s"
    totals1=${totals1%$'\n'}
    R[$name.wall]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    kill -0 "$PID" 2>/dev/null || die "$name exited during the run: $(tail -5 "$TMP/$name.log")"

    local r0 a0 r1 a1
    read -r r0 a0 _ <<<"$totals0"
    read -r r1 a1 _ <<<"$totals1"
    R[$name.cpu]=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
    R[$name.hwm]=$(awk -v k="$(status_kib "$PID" VmHWM)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.rssmax]=$(awk -v k="$(cat "$TMP/$name.rssmax" 2>/dev/null || echo 0)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.anon]=$(awk -v k="$(status_kib "$PID" RssAnon)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.requests]=$((r1 - r0))
    R[$name.replies]=$((a1 - a0))
    R[$name.loss]=$(awk -v r="$((r1 - r0))" -v a="$((a1 - a0))" 'BEGIN { if (r == 0) print "n/a"; else printf "%.3f", 100 * (r - a) / r }')
    R[$name.rate]=$(awk -v r="$((r1 - r0))" -v d="$DURATION" 'BEGIN {printf "%.0f", r / d}')

    kill -TERM "$PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

measure smokeping_prober
sleep 1
measure vandine

cpu_ratio=$(ratio "${R[vandine.cpu]}" "${R[smokeping_prober.cpu]}")
rss_ratio=$(ratio "${R[vandine.hwm]}" "${R[smokeping_prober.hwm]}")
v_cpu=$(awk -v a="${R[vandine.cpu]}" -v b="${R[smokeping_prober.cpu]}" 'BEGIN {print (a <= 0.5 * b) ? "PASS" : "FAIL"}')
v_rss=$(verdict "${R[vandine.hwm]}" "${R[smokeping_prober.hwm]}" lower)
# A side that sent far fewer requests than expected did not do the same work.
expected=$((TARGETS * DURATION))
v_work=PASS
for name in vandine smokeping_prober; do
    awk -v r="${R[$name.requests]}" -v e="$expected" 'BEGIN {exit !(r < 0.95 * e)}' && v_work=FAIL
done
overall=PASS
[[ $v_cpu == PASS && $v_rss == PASS && $v_work == PASS ]] || overall=FAIL

report=$(
    echo "smokeping benchmark: continuous ICMP to $TARGETS loopback targets at 1 s, vandine-exporter vs smokeping_prober"
    echo "date:      $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "machine:   $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
    echo "vandine:   $("$VANDINE_BIN" --version 2>&1 | head -1) ($VANDINE_BIN)"
    echo "smokeping: $("$SMOKEPING_BIN" --version 2>&1 | head -1) (--privileged)"
    echo "targets:   127.0.0.1 … ${HOSTS[-1]}, each side alone, measured ${DURATION} s after warm-up"
    echo
    printf '%-26s %12s %12s %12s  %s\n' "metric" "vandine" "smokeping" "ours/theirs" "target"
    printf '%-26s %12s %12s %12s  %s\n' "CPU s" "${R[vandine.cpu]}" "${R[smokeping_prober.cpu]}" "$cpu_ratio" "<= 0.5"
    printf '%-26s %12s %12s %12s  %s\n' "peak RSS MiB (VmHWM)" "${R[vandine.hwm]}" "${R[smokeping_prober.hwm]}" "$rss_ratio" "<= 1"
    printf '%-26s %12s %12s %12s\n' "max sampled RSS MiB" "${R[vandine.rssmax]}" "${R[smokeping_prober.rssmax]}" \
        "$(ratio "${R[vandine.rssmax]}" "${R[smokeping_prober.rssmax]}")"
    printf '%-26s %12s %12s\n' "  private MiB at end" "${R[vandine.anon]}" "${R[smokeping_prober.anon]}"
    printf '%-26s %12s %12s\n' "requests in window" "${R[vandine.requests]}" "${R[smokeping_prober.requests]}"
    printf '%-26s %12s %12s\n' "requests/s" "${R[vandine.rate]}" "${R[smokeping_prober.rate]}"
    printf '%-26s %12s %12s\n' "replies in window" "${R[vandine.replies]}" "${R[smokeping_prober.replies]}"
    printf '%-26s %12s %12s\n' "loss % (incl. in flight)" "${R[vandine.loss]}" "${R[smokeping_prober.loss]}"
    echo
    echo "CPU <= 0.5 x smokeping_prober: $v_cpu"
    echo "RSS <= smokeping_prober:       $v_rss"
    echo "both sent >= 95% of $expected:  $v_work"
    echo "overall:                       $overall"
)
echo
echo "$report"
mkdir -p "$(dirname "$RESULTS")"
echo "$report" >"$RESULTS"
echo
echo "results written to ${RESULTS#"$REPO_ROOT"/}"
[[ $overall == PASS ]] || exit 2
