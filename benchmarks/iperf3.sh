#!/usr/bin/env bash
# iperf3 throughput through vandine-exporter vs iperf3 run directly, against the same loopback
# iperf3 server (iperf3 -s -B 127.0.0.1 -p PORT), in one run:
#
#  1. Throughput: ROUNDS (default 5) rounds, each one `iperf3 -c 127.0.0.1 -p PORT -t DURATION -J`
#     run directly and one `/probe?module=iperf3` to a running exporter (same duration), in turn;
#     the medians of the received bits per second are compared. Target: the probe within 5 % of
#     the direct run (what the probe reports is what iperf3 measured: the two must agree).
#  2. Overhead: the exporter's own CPU seconds per probe (utime + stime of the daemon from
#     /proc/PID/stat, the iperf3 child's CPU excluded — it is reported beside, as the children's
#     CPU, next to the direct run's CPU). Target: < 0.05 CPU seconds per run.
#  3. One-shot CLI: `vandine-exporter probe --module iperf3 --target 127.0.0.1:PORT` once, its wall
#     and CPU (process start-up and config load included) next to `iperf3 -c` alone.
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), IPERF3_BIN,
# ROUNDS, DURATION (whole seconds, default 3), RESULTS (default benchmarks/results/iperf3.txt).
#
# Exit status: 0 targets met, 2 targets missed (results still written), 1 the benchmark failed.
# All traffic goes to 127.0.0.1. The script changes no system settings.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=iperf3
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }

VANDINE_BIN=${VANDINE_BIN:-.build/release/vandine-exporter}
if [[ $VANDINE_BIN != /* ]]; then
    if [[ -x $VANDINE_BIN ]]; then VANDINE_BIN="$PWD/$VANDINE_BIN"; else VANDINE_BIN="$REPO_ROOT/$VANDINE_BIN"; fi
fi
[[ -x $VANDINE_BIN ]] || die "vandine-exporter binary not found: $VANDINE_BIN (build it or set VANDINE_BIN)"
IPERF3_BIN=$(command -v "${IPERF3_BIN:-iperf3}") || die "iperf3 not found (apt-get install iperf3)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-3}
RESULTS=${RESULTS:-$REPO_ROOT/benchmarks/results/$NAME.txt}

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

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

SPORT=$(free_port)
VPORT=$(free_port)
while [[ $VPORT == "$SPORT" ]]; do VPORT=$(free_port); done

cat >"$TMP/vandine.yml" <<EOF
modules:
  iperf3:
    prober: iperf3
    timeout: $((DURATION + 4))s
    iperf3: {duration: ${DURATION}s, preferred_ip_protocol: ip4, ip_protocol_fallback: false}
allowed_targets: [127.0.0.0/8]
EOF

"$IPERF3_BIN" -s -B 127.0.0.1 -p "$SPORT" >"$TMP/server.log" 2>&1 &
PIDS+=("$!")
"$VANDINE_BIN" --config.file "$TMP/vandine.yml" --web.listen-address "127.0.0.1:$VPORT" --log.level warn >"$TMP/vandine.log" 2>&1 &
VPID=$!
PIDS+=("$VPID")
for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$VPORT/-/healthy" 2>/dev/null && break
    kill -0 "$VPID" 2>/dev/null || die "vandine-exporter exited: $(cat "$TMP/vandine.log")"
    sleep 0.1
done
grep -q LISTEN <(ss -ltn "sport = :$SPORT") || die "iperf3 -s is not listening on 127.0.0.1:$SPORT: $(cat "$TMP/server.log")"

log "$ROUNDS rounds of a ${DURATION}s TCP test, iperf3 -c and /probe in turn, server 127.0.0.1:$SPORT"
"$PYTHON" - "$IPERF3_BIN" "$SPORT" "$VPORT" "$VPID" "$DURATION" "$ROUNDS" "$VANDINE_BIN" "$TMP" >"$TMP/result.json" <<'EOF'
import json, os, resource, subprocess, sys, time, urllib.request
iperf3, sport, vport, vpid, duration, rounds, vandine, tmp = sys.argv[1:9]
CLK = os.sysconf("SC_CLK_TCK")

def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / CLK       # utime + stime
    children = (int(fields[13]) + int(fields[14])) / CLK  # cutime + cstime (reaped iperf3 clients)
    return own, children

def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def direct():
    before = children_cpu()
    start = time.monotonic()
    out = subprocess.run([iperf3, "-c", "127.0.0.1", "-p", sport, "-t", duration, "-J", "-i", "0"],
                         check=True, capture_output=True, text=True).stdout
    wall = time.monotonic() - start
    report = json.loads(out)
    if report.get("error"):
        raise SystemExit(f"iperf3 -c failed: {report['error']}")
    return report["end"]["sum_received"]["bits_per_second"], wall, children_cpu() - before

def probe():
    own0, child0 = proc_cpu(vpid)
    start = time.monotonic()
    body = urllib.request.urlopen(f"http://127.0.0.1:{vport}/probe?module=iperf3&target=127.0.0.1:{sport}",
                                  timeout=int(duration) + 10).read().decode()
    wall = time.monotonic() - start
    own1, child1 = proc_cpu(vpid)
    values = {line.split()[0]: float(line.split()[1]) for line in body.splitlines() if line and not line.startswith("#")}
    if values.get("probe_success") != 1:
        raise SystemExit("probe failed:\n" + body)
    return values["vandine_iperf3_received_bits_per_second"], wall, own1 - own0, child1 - child0

rows = []
for _ in range(int(rounds)):
    d_bps, d_wall, d_cpu = direct()
    p_bps, p_wall, p_own, p_child = probe()
    rows.append({"direct_bps": d_bps, "direct_wall": d_wall, "direct_cpu": d_cpu,
                 "probe_bps": p_bps, "probe_wall": p_wall, "probe_own_cpu": p_own, "probe_child_cpu": p_child})

# One-shot CLI, once: process start-up and config load included.
before = children_cpu()
start = time.monotonic()
cli = subprocess.run([vandine, "probe", "--config.file", f"{tmp}/vandine.yml", "--module", "iperf3",
                      "--target", f"127.0.0.1:{sport}"], capture_output=True, text=True)
cli_wall = time.monotonic() - start
cli_cpu = children_cpu() - before
if cli.returncode != 0:
    raise SystemExit("vandine-exporter probe failed:\n" + cli.stdout + cli.stderr)
print(json.dumps({"rows": rows, "cli_wall": cli_wall, "cli_cpu": cli_cpu}))
EOF

mkdir -p "$(dirname "$RESULTS")"
status=0
"$PYTHON" - "$TMP/result.json" "$("$VANDINE_BIN" --version)" "$("$IPERF3_BIN" --version | head -1)" "$DURATION" >"$RESULTS" <<'EOF' || status=$?
import json, statistics, sys
data = json.load(open(sys.argv[1]))
vv, iv, duration = sys.argv[2:5]
rows = data["rows"]
def med(key): return statistics.median(r[key] for r in rows)
ratio = med("probe_bps") / med("direct_bps")
own = med("probe_own_cpu")
checks = [("throughput through the probe within 5% of iperf3 -c", abs(ratio - 1) <= 0.05),
          ("exporter CPU per run < 0.05 s", own < 0.05)]
print(f"iperf3 benchmark: {len(rows)} rounds of a {duration}s TCP test against one loopback iperf3 -s (medians)")
print(f"  vandine-exporter {vv}; {iv}")
print()
print(f"1. Throughput (received)   iperf3 -c: {med('direct_bps') / 1e9:.2f} Gbit/s   /probe: {med('probe_bps') / 1e9:.2f} Gbit/s   ratio {ratio:.3f} (target 0.95-1.05)")
print(f"   per round: " + ", ".join(f"{r['probe_bps'] / r['direct_bps']:.3f}" for r in rows))
print(f"2. CPU per run             exporter itself: {own:.4f} s   its iperf3 child: {med('probe_child_cpu'):.3f} s   iperf3 -c direct: {med('direct_cpu'):.3f} s")
print(f"   wall per run            /probe: {med('probe_wall'):.3f} s   iperf3 -c: {med('direct_wall'):.3f} s")
print(f"3. One-shot CLI            vandine-exporter probe: wall {data['cli_wall']:.3f} s, CPU {data['cli_cpu']:.3f} s (iperf3 child and start-up included)")
print()
for name, ok in checks: print(f"   {'PASS' if ok else 'FAIL'}  {name}")
sys.exit(0 if all(ok for _, ok in checks) else 2)
EOF
cat "$RESULTS"
exit "$status"
