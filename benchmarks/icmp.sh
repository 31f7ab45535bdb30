#!/usr/bin/env bash
# Side-by-side ICMP benchmarks on the same 1,024 loopback targets (127.0.0.1 … 127.0.4.0), in one
# run, as root:
#
#  1. One sweep against fping, the practical limit: 1,024 targets × 5 packets at a 100 ms
#     per-target interval, through `vandine-exporter probe --targets-file` (which sweeps an icmp
#     module's targets together through the engine, see ICMPSweep) vs
#     `fping -C 5 -p 100 -i 0 -q -f targets` (-i 0 removes fping's 10 ms global gap).
#     Reports the wall-time and CPU-second ratios. Target: wall <= 1.1x fping, CPU <= 2x.
#     Each side runs ROUNDS times (default 5), alternating; the medians are compared.
#  2. Against blackbox_exporter's icmp module (Debian): /probe requests walking the same 1,024
#     targets in turn (one packet each, as blackbox's module does) from wrk at CONCURRENCY
#     (default 64) connections, DURATION (default 10s) per round, ROUNDS rounds per exporter. Reports probes/s, CPU seconds per 1,000 probes and peak RSS.
#     Target: >= 2x its probes/s, CPU per probe <= its, RSS <= its.
#  3. Continuous mode against smokeping_prober: benchmarks/smokeping.sh, when present.
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), BLACKBOX_BIN,
# FPING_BIN, ROUNDS, CONCURRENCY, DURATION, RESULTS (default benchmarks/results/icmp.txt).
#
# Exit status: 0 targets met, 2 targets missed (results still written), 1 the benchmark failed.
# All traffic goes to 127.0.0.0/8. The script changes no system settings.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=icmp
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }

VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
[[ $VANDINE_BIN == /* ]] || VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"
[[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (build it or set VANDINE_BIN)"
BLACKBOX_BIN=$(command -v "${BLACKBOX_BIN:-prometheus-blackbox-exporter}") || die "prometheus-blackbox-exporter not found (apt-get install prometheus-blackbox-exporter)"
FPING_BIN=$(command -v "${FPING_BIN:-fping}") || die "fping not found (apt-get install fping)"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
[[ $(id -u) == 0 ]] || die "run as root: fping and both exporters need raw ICMP sockets here"
ROUNDS=${ROUNDS:-5}
CONCURRENCY=${CONCURRENCY:-64}
DURATION=${DURATION:-10s}
RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/$NAME.txt}

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

# 127.0.0.1 … 127.0.4.0: 1,024 addresses.
"$PYTHON" - "$TMP/targets" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for n in range(1, 1025):
        f.write(f"127.0.{n // 256}.{n % 256}\n")
EOF

cat >"$TMP/vandine.yml" <<'EOF'
icmp: {privileged: true}
modules:
  icmp:
    prober: icmp
    timeout: 5s
    icmp: {preferred_ip_protocol: ip4, ip_protocol_fallback: false}
  icmp_sweep:
    prober: icmp
    timeout: 5s
    icmp: {preferred_ip_protocol: ip4, ip_protocol_fallback: false, packets: 5, interval: 100ms}
allowed_targets: [127.0.0.0/8]
EOF
cat >"$TMP/blackbox.yml" <<'EOF'
modules:
  icmp:
    prober: icmp
    timeout: 5s
    icmp: {preferred_ip_protocol: ip4, ip_protocol_fallback: false}
EOF

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ready() { # url pid name
    local i
    for ((i = 0; i < 100; i++)); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || die "$3 exited: $(cat "$TMP/$3.log")"
        sleep 0.1
    done
    die "$3 did not answer within 10 s"
}

# The measuring is in Python: wall and CPU of child processes from wait4's rusage; CPU of a
# running daemon from /proc/PID/stat; peak RSS from VmHWM.
cat >"$TMP/measure.py" <<'EOF'
import json, os, statistics, subprocess, sys, time

CLK = os.sysconf("SC_CLK_TCK")

def children_cpu():
    # CPU seconds of reaped children: the difference around one run is that child's CPU.
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def sweep(argv, rounds):
    for _ in range(rounds):
        before = children_cpu()
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
        wall = time.monotonic() - start
        yield proc.returncode, wall, children_cpu() - before, out.decode(), err.decode()

def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK

def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

def probe_load(url_base, module, targets_file, duration, concurrency, workdir):
    # wrk (C, event loop) with a Lua script that walks the 1,024 targets in turn, for a fixed
    # time: neither a Python client nor curl --parallel kept up (both capped near 2,000-4,000/s),
    # and wrk runs for its whole duration even when its threads stop early, so it cannot stop at
    # a count.
    script = os.path.join(workdir, "walk.lua")
    os.makedirs(workdir, exist_ok=True)
    with open(script, "w") as f:
        f.write(f"""
local targets = {{}}
for line in io.lines("{targets_file}") do if #line > 0 then table.insert(targets, line) end end
local all = {{}}
function setup(thread) thread:set("id", #all); table.insert(all, thread) end
function init(args) sent = 0; ok = 0; bad = 0 end
function request()
  local target = targets[((sent * 2 + id) % #targets) + 1]
  sent = sent + 1
  return wrk.format("GET", "/probe?module={module}&target=" .. target)
end
function response(status, headers, body)
  if status == 200 and string.find(body, "\\nprobe_success 1\\n", 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(all) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("probe_ok %d\\nprobe_bad %d\\nelapsed_us %d\\n", o, b, summary.duration))
end
""")
    out = subprocess.run(["wrk", "-t", "2", "-c", str(concurrency), "-d", duration, "-s", script, url_base],
                         check=True, capture_output=True, text=True).stdout
    fields = dict(line.split() for line in out.splitlines() if line.startswith(("probe_ok", "probe_bad", "elapsed_us")))
    ok, done = int(fields["probe_ok"]), int(fields["probe_ok"]) + int(fields["probe_bad"])
    return ok, done, int(fields["elapsed_us"]) / 1e6

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sweep":
        rounds, argv = int(sys.argv[2]), sys.argv[4:]
        results = []
        for code, wall, cpu, out, err in sweep(argv, rounds):
            results.append({"code": code, "wall": wall, "cpu": cpu, "out": out, "err": err})
        print(json.dumps(results))
    elif cmd == "load":
        url, module, pid, targets_file, concurrency, rounds, workdir, duration = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), sys.argv[8], sys.argv[9]
        probe_load(url, module, targets_file, "2s", concurrency, workdir)  # warm-up, not measured
        rates, oks, probes, cpu_before = [], 0, 0, proc_cpu(pid)
        for _ in range(rounds):
            ok, done, wall = probe_load(url, module, targets_file, duration, concurrency, workdir)
            oks += ok
            probes += done
            rates.append(done / wall)
        cpu = proc_cpu(pid) - cpu_before
        print(json.dumps({"rate": statistics.median(rates), "ok": oks, "probes": probes,
                          "cpu_per_1000": cpu / probes * 1000, "rss": peak_rss_mib(pid)}))
EOF

# --- 1. one sweep against fping ---------------------------------------------------------------
log "sweep: 1,024 targets x 5 packets, 100 ms apart, $ROUNDS rounds each"
"$PYTHON" "$TMP/measure.py" sweep "$ROUNDS" vandine "$VANDINE_BIN" probe --config.file "$TMP/vandine.yml" \
    --module icmp_sweep --targets-file "$TMP/targets" >"$TMP/sweep-vandine.json"
"$PYTHON" "$TMP/measure.py" sweep "$ROUNDS" fping "$FPING_BIN" -C 5 -p 100 -i 0 -q -f "$TMP/targets" >"$TMP/sweep-fping.json"

# --- 2. /probe against blackbox_exporter ---------------------------------------------------------
VPORT=$(free_port)
BPORT=$(free_port)
"$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$VPORT" --log.level warn >"$TMP/vandine.log" 2>&1 &
VPID=$!
PIDS+=("$VPID")
"$BLACKBOX_BIN" --config.file "$TMP/blackbox.yml" --web.listen-address "127.0.0.1:$BPORT" --log.level=warn >"$TMP/blackbox.log" 2>&1 &
BPID=$!
PIDS+=("$BPID")
wait_ready "http://127.0.0.1:$VPORT/-/healthy" "$VPID" vandine
wait_ready "http://127.0.0.1:$BPORT/-/healthy" "$BPID" blackbox
log "/probe: 1,024 targets in turn, $ROUNDS rounds of $DURATION at concurrency $CONCURRENCY, each exporter in turn"
"$PYTHON" "$TMP/measure.py" load "http://127.0.0.1:$VPORT" icmp "$VPID" "$TMP/targets" "$CONCURRENCY" "$ROUNDS" "$TMP/out-vandine" "$DURATION" >"$TMP/load-vandine.json"
"$PYTHON" "$TMP/measure.py" load "http://127.0.0.1:$BPORT" icmp "$BPID" "$TMP/targets" "$CONCURRENCY" "$ROUNDS" "$TMP/out-blackbox" "$DURATION" >"$TMP/load-blackbox.json"

# --- report ---------------------------------------------------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
status=0
"$PYTHON" - "$TMP" "$ROUNDS" "$CONCURRENCY" "$("$VANDINE_BIN" --version)" "$("$FPING_BIN" --version 2>&1 | head -1)" \
    "$("$BLACKBOX_BIN" --version 2>&1 | head -1)" >"$RESULTS" <<'EOF' || status=$?
import json, statistics, sys
tmp, rounds, concurrency, vv, fv, bv = sys.argv[1:7]
sv = json.load(open(f"{tmp}/sweep-vandine.json"))
sf = json.load(open(f"{tmp}/sweep-fping.json"))
lv = json.load(open(f"{tmp}/load-vandine.json"))
lb = json.load(open(f"{tmp}/load-blackbox.json"))
def med(rows, key): return statistics.median(r[key] for r in rows)
# fping -C prints per target "addr : t1 t2 ..." on stderr; "-" is a lost packet.
fping_lost = sum(line.split(":", 1)[1].split().count("-") for r in sf for line in r["err"].splitlines() if ":" in line)
vandine_ok = sum(line.split()[1] == "success=1" for r in sv for line in r["out"].splitlines())
wall_ratio = med(sv, "wall") / med(sf, "wall")
cpu_ratio = med(sv, "cpu") / max(med(sf, "cpu"), 1e-9)
rate_ratio = lv["rate"] / lb["rate"]
cpu_probe_ratio = lv["cpu_per_1000"] / max(lb["cpu_per_1000"], 1e-9)
rss_ratio = lv["rss"] / lb["rss"]
checks = [
    ("sweep wall <= 1.1x fping", wall_ratio <= 1.1),
    ("sweep CPU <= 2x fping", cpu_ratio <= 2.0),
    ("/probe rate >= 2x blackbox", rate_ratio >= 2.0),
    ("/probe CPU per probe <= blackbox", cpu_probe_ratio <= 1.0),
    ("peak RSS <= blackbox", rss_ratio <= 1.0),
]
print(f"ICMP benchmarks: 1,024 loopback targets (127.0.0.1 ... 127.0.4.0), {rounds} rounds each")
print(f"  vandine-exporter {vv}; {fv}; {bv.strip()}")
print()
print("1. One sweep, 1,024 targets x 5 packets, 100 ms per-target interval (medians)")
print(f"   vandine probe : wall {med(sv, 'wall'):.3f} s  CPU {med(sv, 'cpu'):.3f} s  targets up {vandine_ok}/{1024 * int(rounds)}")
print(f"   fping -C 5 -p 100 -i 0 : wall {med(sf, 'wall'):.3f} s  CPU {med(sf, 'cpu'):.3f} s  packets lost {fping_lost}")
print(f"   ratio vandine/fping: wall {wall_ratio:.2f}x (target <= 1.1x)  CPU {cpu_ratio:.2f}x (target <= 2x)")
print()
print(f"2. /probe walking the 1,024 targets, wrk at {concurrency} connections, one packet each")
print(f"   vandine  : {lv['rate']:.0f} probes/s  CPU {lv['cpu_per_1000']:.3f} s/1000 probes  peak RSS {lv['rss']:.1f} MiB  ok {lv['ok']}/{lv['probes']}")
print(f"   blackbox : {lb['rate']:.0f} probes/s  CPU {lb['cpu_per_1000']:.3f} s/1000 probes  peak RSS {lb['rss']:.1f} MiB  ok {lb['ok']}/{lb['probes']}")
print(f"   ratio vandine/blackbox: rate {rate_ratio:.2f}x (target >= 2x)  CPU/probe {cpu_probe_ratio:.2f}x (<= 1)  RSS {rss_ratio:.2f}x (<= 1)")
print()
for name, ok in checks: print(f"   {'PASS' if ok else 'FAIL'}  {name}")
if lv["ok"] != lv["probes"] or vandine_ok != 1024 * int(rounds):
    print("   ERROR: vandine failed probes that should succeed")
    sys.exit(1)
sys.exit(0 if all(ok for _, ok in checks) else 2)
EOF
cat "$RESULTS"
if [[ -f $REPO_ROOT/benchmarks/smokeping.sh ]]; then
    echo
    VANDINE_BIN=$VANDINE_BIN bash "$REPO_ROOT/benchmarks/smokeping.sh" || { s=$?; [[ $status == 1 ]] || status=$s; }
fi
exit "$status"
