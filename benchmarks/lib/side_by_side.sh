# Shared machinery of the side-by-side benchmarks (probe_tcp.sh, probe_http.sh): sourced, not run.
#
# A benchmark script does:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/side_by_side.sh"
#   sbs_setup NAME         # resolve binaries, temp dir $TMP, cleanup traps, die/log
#   ...start its target server in the background, set TARGET_PID and TARGET_PORT...
#   ...set the parameters below...
#   sbs_run                # both exporters, sanity probes, wrk runs, report, results file
#
# Parameters (shell variables, set before sbs_run):
#   BENCH_MODULE          module name in both configs, e.g. tcp_connect
#   VANDINE_MODULE_YAML   that module's entry under "modules:" in vandine.yml (indented 2 spaces);
#                         sbs_run adds "allowed_targets: [127.0.0.0/8]"
#   BLACKBOX_MODULE_YAML  the same for blackbox.yml
#   PROBE_TARGET          the /probe target, as it goes into the query string
#   TARGET_PID            the target server (killed on exit; its CPU is reported, so a
#                         saturated target shows up); it must be single-threaded: the
#                         bottleneck warning assumes ~1 CPU second per second is its ceiling
#   TARGET_PORT           its port (kept apart from the exporters' ports)
#   TARGET_NAME           one word for the report, e.g. listener
#   BENCH_TITLE           first line of the report, e.g. "TCP connect probes"
#   TARGET_DESC           the report's target line, e.g. "127.0.0.1:PORT (...), module ..., timeout 5s"
#
# Environment (all optional):
#   VANDINE_BIN   exporter binary       (default .build/release/vandine-exporter,
#                                        relative paths: cwd first, then repo root)
#   BLACKBOX_BIN  blackbox exporter     (default prometheus-blackbox-exporter)
#   DURATION      wrk duration per run  (default 20s)
#   WARMUP        unmeasured wrk run before each measured one (default 2s; 0 = none)
#   CONNECTIONS   wrk connections       (default 32)
#   THREADS       wrk threads           (default 2)
#   CHECK_BODIES  1 = a wrk Lua hook counts responses without "probe_success 1"
#                 (costs wrk some CPU, the same for both sides; default 1)
#   RESULTS       results file          (default benchmarks/results/NAME.txt)
#
# Exit status of sbs_run: 0 targets met, 2 targets missed (results still written),
# 1 the benchmark itself failed (setup, sanity check, >1% errors).
#
# All traffic stays on 127.0.0.1. Nothing here changes system settings.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() { echo "$BENCH_NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$BENCH_NAME: $*" >&2; }

sbs_setup() { # name
    BENCH_NAME=$1
    VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
    BLACKBOX_BIN=${BLACKBOX_BIN:-prometheus-blackbox-exporter}
    DURATION=${DURATION:-20s}
    WARMUP=${WARMUP:-2s}
    CONNECTIONS=${CONNECTIONS:-32}
    THREADS=${THREADS:-2}
    CHECK_BODIES=${CHECK_BODIES:-1}
    RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/$BENCH_NAME.txt}
    PYTHON=/usr/bin/python3
    [[ -x $PYTHON ]] || PYTHON=python3

    # --- resolve binaries, check tools ---------------------------------------
    if [[ $VANDINE_BIN != /* ]]; then
        if [[ -x $VANDINE_BIN ]]; then VANDINE_BIN="$PWD/$VANDINE_BIN"
        else VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"; fi
    fi
    [[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (build it or set VANDINE_BIN)"
    BLACKBOX_BIN=$(command -v "$BLACKBOX_BIN") || die "prometheus-blackbox-exporter not found (apt-get install prometheus-blackbox-exporter)"
    local tool
    for tool in wrk:wrk curl:curl ss:iproute2 getconf:libc-bin; do
        command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} not found (Debian package ${tool##*:})"
    done
    command -v "$PYTHON" >/dev/null || die "python3 not found"
    CLK_TCK=$(getconf CLK_TCK)

    # --- temp dir and cleanup ------------------------------------------------
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")
    TARGET_PID="" VANDINE_PID="" BLACKBOX_PID="" SAMPLER_PID="" WRK_PID=""
    trap sbs_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Runs on every exit (normal, die, Ctrl-C, TERM): stops everything started, target server included.
sbs_cleanup() {
    local rc=$? pid i
    for pid in $WRK_PID $SAMPLER_PID $VANDINE_PID $BLACKBOX_PID $TARGET_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $WRK_PID $SAMPLER_PID $VANDINE_PID $BLACKBOX_PID $TARGET_PID; do
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
    exit "$rc"
}

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_healthy() { # name pid port
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$2" 2>/dev/null || die "$1 exited during startup: $(tail -5 "$TMP/$1.log")"
        curl -fsS --max-time 1 "http://127.0.0.1:$3/-/healthy" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$1 did not answer /-/healthy on 127.0.0.1:$3 within 30 s: $(tail -5 "$TMP/$1.log")"
}

probe_url() { echo "http://127.0.0.1:$1/probe?target=$PROBE_TARGET&module=$BENCH_MODULE"; }

# --- exporters: configs, start, health, sanity -------------------------------
sbs_start_exporters() {
    printf 'modules:\n%s\nallowed_targets:\n  - 127.0.0.0/8\n' "$VANDINE_MODULE_YAML" >"$TMP/vandine.yml"
    printf 'modules:\n%s\n' "$BLACKBOX_MODULE_YAML" >"$TMP/blackbox.yml"

    VPORT=$(free_port)
    BPORT=$(free_port)
    while [[ $BPORT == "$VPORT" || $BPORT == "$TARGET_PORT" || $VPORT == "$TARGET_PORT" ]]; do
        VPORT=$(free_port); BPORT=$(free_port)
    done

    "$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$VPORT" \
        --log.level error >"$TMP/vandine.log" 2>&1 &
    VANDINE_PID=$!
    "$BLACKBOX_BIN" --config.file="$TMP/blackbox.yml" --web.listen-address="127.0.0.1:$BPORT" \
        --log.level=error >"$TMP/blackbox.log" 2>&1 &
    BLACKBOX_PID=$!

    wait_healthy vandine "$VANDINE_PID" "$VPORT"
    wait_healthy blackbox "$BLACKBOX_PID" "$BPORT"

    # One probe each before measuring: a side that cannot probe the target would otherwise
    # only show up as a wall of "not probe_success 1".
    local side name port body
    for side in vandine:$VPORT blackbox:$BPORT; do
        name=${side%%:*} port=${side##*:}
        body=$(curl -sS --max-time 10 "$(probe_url "$port")" 2>&1) || die "$name: /probe request failed: $body"
        grep -q '^probe_success 1$' <<<"$body" ||
            die "$name: sanity probe of $PROBE_TARGET did not report probe_success 1; response was:
$body"
    done
    log "$TARGET_NAME 127.0.0.1:$TARGET_PORT, vandine 127.0.0.1:$VPORT, blackbox 127.0.0.1:$BPORT; sanity probes OK"
}

# --- wrk body check ------------------------------------------------------------
sbs_wrk_args() {
    WRK_ARGS=()
    if [[ $CHECK_BODIES == 1 ]]; then
        # Counts responses that are not "200 + probe_success 1" (e.g. a prober that
        # fails fast because ephemeral ports ran out would otherwise look fast).
        cat >"$TMP/check.lua" <<'EOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) probe_ok = 0; probe_bad = 0 end
function response(status, headers, body)
  if status == 200 and (string.find(body, "\nprobe_success 1\n", 1, true)
                        or string.sub(body, 1, 16) == "probe_success 1\n") then
    probe_ok = probe_ok + 1
  else
    probe_bad = probe_bad + 1
  end
end
function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do ok = ok + t:get("probe_ok"); bad = bad + t:get("probe_bad") end
  io.write(string.format("probe_ok %d\nprobe_bad %d\n", ok, bad))
end
EOF
        WRK_ARGS=(-s "$TMP/check.lua")
    fi
}

# --- sampling --------------------------------------------------------------------
cpu_ticks() { # pid -> utime+stime in ticks
    local stat rest
    local -a f
    stat=$(<"/proc/$1/stat")
    rest=${stat##*) }            # fields from 3 (state) on; comm may contain spaces
    read -r -a f <<<"$rest"
    echo $(( f[11] + f[12] ))    # fields 14 (utime) and 15 (stime)
}
status_kib() { # pid key -> value in KiB
    local k v _
    while read -r k v _; do [[ $k == "$2:" ]] && { echo "$v"; return; }; done <"/proc/$1/status"
    echo 0
}
rss_sampler() { # pid outfile: max VmRSS (KiB) every 0.2 s until killed
    local max=0 v k _
    trap 'echo "$max" >"$2"; exit 0' TERM
    while kill -0 "$1" 2>/dev/null; do
        while read -r k v _; do [[ $k == VmRSS: ]] && { ((v > max)) && max=$v; break; }; done <"/proc/$1/status" || true
        echo "$max" >"$2"
        sleep 0.2 & wait $!
    done
}
listen_overflows() {
    command -v nstat >/dev/null || { echo 0; return; }
    nstat -asz TcpExtListenOverflows 2>/dev/null | awk '/ListenOverflows/ {print $2; f=1} END {if (!f) print 0}'
}
timewait() { ss -s | sed -n 's/.*timewait \([0-9]*\).*/\1/p'; }
to_ms() { # "1.23ms" / "456.00us" / "1.02s" / "1.5m" -> ms
    awk -v x="$1" 'BEGIN {
        if (x ~ /us$/) { sub(/us$/, "", x); print x / 1000 }
        else if (x ~ /ms$/) { sub(/ms$/, "", x); print x + 0 }
        else if (x ~ /m$/) { sub(/m$/, "", x); print x * 60000 }
        else if (x ~ /h$/) { sub(/h$/, "", x); print x * 3600000 }
        else if (x ~ /s$/) { sub(/s$/, "", x); print x * 1000 }
        else print "nan" }'
}

declare -A R # results: R[name.key]
run_one() { # name pid port
    local name=$1 pid=$2 port=$3 url out c0 c1 l0 l1 o0 o1 tw reqs errs non2xx bad
    url=$(probe_url "$port")
    if [[ $WARMUP != 0 ]]; then
        log "$name: warm-up $WARMUP"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >"$TMP/$name.warmup" 2>&1 &
        WRK_PID=$!
        wait "$WRK_PID" || die "$name: warm-up wrk failed: $(cat "$TMP/$name.warmup")"
        WRK_PID=""
    fi
    log "$name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    rss_sampler "$pid" "$TMP/$name.rssmax" &
    SAMPLER_PID=$!
    c0=$(cpu_ticks "$pid"); l0=$(cpu_ticks "$TARGET_PID"); o0=$(listen_overflows)
    # wrk runs in the background so that a signal reaches the traps at once
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${WRK_ARGS[@]}" "$url" >"$TMP/$name.wrk" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || die "$name: wrk failed: $(cat "$TMP/$name.wrk")"
    WRK_PID=""
    kill -0 "$TARGET_PID" 2>/dev/null || die "$TARGET_NAME exited during the $name run"
    out=$(<"$TMP/$name.wrk")
    c1=$(cpu_ticks "$pid"); l1=$(cpu_ticks "$TARGET_PID"); o1=$(listen_overflows)
    tw=$(timewait)
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    kill -0 "$pid" 2>/dev/null || die "$name exited during the run: $(tail -5 "$TMP/$name.log")"
    echo "--- $name: wrk output" >&2; echo "$out" >&2

    reqs=$(awk '/ requests in / {print $1}' <<<"$out")
    [[ -n $reqs && $reqs -gt 0 ]] || die "$name: wrk completed no requests"
    errs=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out"); errs=${errs:-0}
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
    bad=$(awk '/^probe_bad / {print $2}' <<<"$out"); bad=${bad:-0}
    R[$name.rps]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    R[$name.p99]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    R[$name.reqs]=$reqs
    R[$name.cpu]=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
    R[$name.cpu1k]=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.4f", (b - a) / t / n * 1000}')
    R[$name.hwm]=$(awk -v k="$(status_kib "$pid" VmHWM)" 'BEGIN {printf "%.1f", k / 1024}')
    # Private (anonymous: heap, stacks) vs file-backed (code and data pages of the binary and its
    # libraries) resident memory at the end of the run: they explain where RSS goes.
    R[$name.anon]=$(awk -v k="$(status_kib "$pid" RssAnon)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.file]=$(awk -v k="$(status_kib "$pid" RssFile)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.rssmax]=$(awk -v k="$(cat "$TMP/$name.rssmax" 2>/dev/null || echo 0)" 'BEGIN {printf "%.1f", k / 1024}')
    R[$name.lcpu]=$(awk -v a="$l0" -v b="$l1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
    R[$name.overflows]=$((o1 - o0))
    R[$name.timewait]=${tw:-?}
    R[$name.errs]=$errs R[$name.non2xx]=$non2xx R[$name.bad]=$bad

    local pct
    pct=$(awk -v e="$((errs + non2xx + bad))" -v n="$reqs" 'BEGIN {printf "%.3f", 100 * e / n}')
    R[$name.errpct]=$pct
    if ((errs + non2xx + bad > 0)); then
        log "WARNING: $name: socket errors $errs, non-2xx/3xx $non2xx, not probe_success 1: $bad ($pct% of $reqs)"
    fi
    if awk -v p="$pct" 'BEGIN {exit !(p > 1)}'; then
        log "FAILED: $name: $pct% of requests failed (socket errors $errs, non-2xx/3xx $non2xx, probe not successful $bad)"
        die "$name: error rate above 1% - results are not meaningful, nothing written"
    fi
}

# --- report ------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { # ours theirs higher|lower
    awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { ok = (d == "higher") ? (a >= b) : (a <= b); print ok ? "PASS" : "FAIL" }'
}

report() {
    echo "$BENCH_NAME benchmark: $BENCH_TITLE, vandine-exporter vs blackbox_exporter"
    echo "date:      $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "machine:   $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
    echo "vandine:   $("$VANDINE_BIN" --version 2>&1 | head -1) ($VANDINE_BIN)"
    echo "blackbox:  $("$BLACKBOX_BIN" --version 2>&1 | head -1)"
    echo "wrk:       $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'), -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP, body check $CHECK_BODIES)"
    echo "target:    $TARGET_DESC"
    echo
    printf '%-26s %12s %12s %12s  %s\n' "metric" "vandine" "blackbox" "ours/theirs" "better"
    printf '%-26s %12s %12s %12s  %s\n' "requests/s" "${R[vandine.rps]}" "${R[blackbox.rps]}" \
        "$(ratio "${R[vandine.rps]}" "${R[blackbox.rps]}")" "higher"
    printf '%-26s %12s %12s %12s  %s\n' "p99 latency ms" "${R[vandine.p99]}" "${R[blackbox.p99]}" \
        "$(ratio "${R[vandine.p99]}" "${R[blackbox.p99]}")" "lower"
    printf '%-26s %12s %12s %12s  %s\n' "CPU s per 1,000 probes" "${R[vandine.cpu1k]}" "${R[blackbox.cpu1k]}" \
        "$(ratio "${R[vandine.cpu1k]}" "${R[blackbox.cpu1k]}")" "lower"
    printf '%-26s %12s %12s %12s  %s\n' "peak RSS MiB (VmHWM)" "${R[vandine.hwm]}" "${R[blackbox.hwm]}" \
        "$(ratio "${R[vandine.hwm]}" "${R[blackbox.hwm]}")" "lower"
    printf '%-26s %12s %12s %12s  %s\n' "max sampled RSS MiB" "${R[vandine.rssmax]}" "${R[blackbox.rssmax]}" \
        "$(ratio "${R[vandine.rssmax]}" "${R[blackbox.rssmax]}")" "lower"
    printf '%-26s %12s %12s %12s  %s\n' "  of which private MiB" "${R[vandine.anon]}" "${R[blackbox.anon]}" \
        "$(ratio "${R[vandine.anon]}" "${R[blackbox.anon]}")" "lower"
    printf '%-26s %12s %12s %12s  %s\n' "  of which file-backed MiB" "${R[vandine.file]}" "${R[blackbox.file]}" \
        "$(ratio "${R[vandine.file]}" "${R[blackbox.file]}")" "lower"
    echo
    printf '%-26s %12s %12s\n' "requests" "${R[vandine.reqs]}" "${R[blackbox.reqs]}"
    printf '%-26s %12s %12s\n' "exporter CPU s" "${R[vandine.cpu]}" "${R[blackbox.cpu]}"
    printf '%-26s %12s %12s\n' "$TARGET_NAME CPU s" "${R[vandine.lcpu]}" "${R[blackbox.lcpu]}"
    printf '%-26s %12s %12s\n' "listen queue overflows" "${R[vandine.overflows]}" "${R[blackbox.overflows]}"
    printf '%-26s %12s %12s\n' "TIME_WAIT (system) after" "${R[vandine.timewait]}" "${R[blackbox.timewait]}"
    printf '%-26s %12s %12s\n' "wrk socket errors" "${R[vandine.errs]}" "${R[blackbox.errs]}"
    printf '%-26s %12s %12s\n' "non-2xx/3xx responses" "${R[vandine.non2xx]}" "${R[blackbox.non2xx]}"
    printf '%-26s %12s %12s\n' "not probe_success 1" "${R[vandine.bad]}" "${R[blackbox.bad]}"
    printf '%-26s %12s %12s\n' "failed requests %" "${R[vandine.errpct]}" "${R[blackbox.errpct]}"
    echo
    echo "requests/s >= blackbox:    $v_rps"
    echo "CPU per probe <= blackbox: $v_cpu"
    echo "RSS (VmHWM) <= blackbox:   $v_rss"
    echo "overall:                   $overall"
}

# --- the whole run -------------------------------------------------------------------
sbs_run() {
    local p
    for p in BENCH_MODULE VANDINE_MODULE_YAML BLACKBOX_MODULE_YAML PROBE_TARGET TARGET_PID TARGET_PORT \
             TARGET_NAME BENCH_TITLE TARGET_DESC; do
        [[ -n ${!p:-} ]] || die "internal: $p not set before sbs_run"
    done
    kill -0 "$TARGET_PID" 2>/dev/null || die "$TARGET_NAME (pid $TARGET_PID) is not running"

    sbs_start_exporters
    sbs_wrk_args
    run_one vandine "$VANDINE_PID" "$VPORT"
    sleep 1
    run_one blackbox "$BLACKBOX_PID" "$BPORT"

    v_rps=$(verdict "${R[vandine.rps]}" "${R[blackbox.rps]}" higher)
    v_cpu=$(verdict "${R[vandine.cpu1k]}" "${R[blackbox.cpu1k]}" lower)
    v_rss=$(verdict "${R[vandine.hwm]}" "${R[blackbox.hwm]}" lower)
    overall=PASS
    [[ $v_rps == PASS && $v_cpu == PASS && $v_rss == PASS ]] || overall=FAIL

    local report_text secs name
    report_text=$(report)
    echo
    echo "$report_text"

    # Warn (in the output, not only in the file) when the target server may have
    # limited the run: it is single-threaded, so ~1 CPU second per second is its ceiling.
    secs=$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }')
    for name in vandine blackbox; do
        if awk -v c="${R[$name.lcpu]}" -v s="$secs" 'BEGIN {exit !(s > 0 && c / s > 0.85)}'; then
            echo "WARNING: $TARGET_NAME used ${R[$name.lcpu]} CPU s in ${secs} s during the $name run: it may be the bottleneck"
        fi
        if ((${R[$name.overflows]} > 0)); then
            echo "WARNING: ${R[$name.overflows]} listen queue overflows during the $name run (SYNs dropped, probes retried)"
        fi
    done | tee "$TMP/warnings"

    mkdir -p "$(dirname "$RESULTS")"
    {
        echo "$report_text"
        [[ -s $TMP/warnings ]] && { echo; cat "$TMP/warnings"; }
        for name in vandine blackbox; do
            echo
            echo "--- wrk output, $name"
            cat "$TMP/$name.wrk"
        done
    } >"$RESULTS"
    echo
    echo "results written to ${RESULTS#"$REPO_ROOT"/}"

    [[ $overall == PASS ]] || exit 2
}
