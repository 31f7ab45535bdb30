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
#  2. Against blackbox_exporter's icmp module (Debian): 1,024 /probe requests (one per target,
#     one packet each, as blackbox's module does) at CONCURRENCY (default 64) against each
#     exporter, ROUNDS times. Reports probes/s, CPU seconds per 1,000 probes and peak RSS.
#     Target: >= 2x its probes/s, CPU per probe <= its, RSS <= its.
#  3. Continuous mode against smokeping_prober: benchmarks/smokeping.sh, when present.
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), BLACKBOX_BIN,
# FPING_BIN, ROUNDS, CONCURRENCY, RESULTS (default benchmarks/results/icmp.txt).
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

def probe_load(url_base, module, targets, concurrency, workdir):
    # curl's own parallel transfers (one process, libcurl multi): a Python client was the
    # bottleneck at ~2,000 requests/s, not the exporters.
    os.makedirs(workdir, exist_ok=True)
    listing = os.path.join(workdir, "urls")
    with open(listing, "w") as f:
        for n, target in enumerate(targets):
            f.write(f'url = "{url_base}/probe?module={module}&target={target}"\noutput = "{workdir}/{n}"\n')
    start = time.monotonic()
    subprocess.run(["curl", "-sS", "--parallel", "--parallel-immediate", "--parallel-max", str(concurrency), "-K", listing],
                   check=True)
    wall = time.monotonic() - start
    ok = 0
    for n in range(len(targets)):
        with open(os.path.join(workdir, str(n)), "rb") as f:
            ok += b"probe_success 1" in f.read()
        os.remove(os.path.join(workdir, str(n)))
    return ok, wall

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sweep":
        rounds, argv = int(sys.argv[2]), sys.argv[4:]
        results = []
        for code, wall, cpu, out, err in sweep(argv, rounds):
            results.append({"code": code, "wall": wall, "cpu": cpu, "out": out, "err": err})
        print(json.dumps(results))
    elif cmd == "load":
        url, module, pid, targets_file, concurrency, rounds, workdir = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
        targets = [t.strip() for t in open(targets_file) if t.strip()]
        probe_load(url, module, targets[:64], concurrency, workdir)  # warm-up, not measured
        rates, oks, cpu_before = [], 0, proc_cpu(pid)
        total_wall = 0.0
        for _ in range(rounds):
            ok, wall = probe_load(url, module, targets, concurrency, workdir)
            oks += ok
            total_wall += wall
            rates.append(len(targets) / wall)
        cpu = proc_cpu(pid) - cpu_before
        probes = len(targets) * rounds
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
log "/probe: 1,024 targets x $ROUNDS rounds at concurrency $CONCURRENCY, each exporter in turn"
"$PYTHON" "$TMP/measure.py" load "http://127.0.0.1:$VPORT" icmp "$VPID" "$TMP/targets" "$CONCURRENCY" "$ROUNDS" "$TMP/out-vandine" >"$TMP/load-vandine.json"
"$PYTHON" "$TMP/measure.py" load "http://127.0.0.1:$BPORT" icmp "$BPID" "$TMP/targets" "$CONCURRENCY" "$ROUNDS" "$TMP/out-blackbox" >"$TMP/load-blackbox.json"

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
print(f"2. /probe, 1,024 requests per round at concurrency {concurrency}, one packet each")
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
