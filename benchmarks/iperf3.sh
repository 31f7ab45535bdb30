#!/usr/bin/env bash
# iperf3 throughput through vandine-exporter vs iperf3 run directly, against the same loopback
# iperf3 server (iperf3 -s -B 127.0.0.1 -p PORT), in one run:
#
#  1. Throughput: ROUNDS (default 5) rounds, each one `iperf3 -c 127.0.0.1 -p PORT -t DURATION -J`
#     run directly and one `/probe?module=iperf3` to a running exporter (same duration), in turn;
#     the medians of the received bits per second are compared. Twice: uncapped (loopback's
#     ceiling, which swings widely run to run on a 2-core machine) and capped at BITRATE (default
#     5 Gbit/s, below that ceiling). Target: the capped probe within 5 % of the direct run; the
#     uncapped ratio is reported beside it.
#  2. Overhead: the exporter's own CPU seconds per probe (utime + stime of the daemon from
#     /proc/PID/stat, the iperf3 child's CPU excluded — it is reported beside, as the children's
#     CPU, next to the direct run's CPU). Target: < 0.05 CPU seconds per run.
#  3. One-shot CLI: `vandine-exporter probe --module iperf3 --target 127.0.0.1:PORT` once, its wall
#     and CPU (process start-up and config load included) next to `iperf3 -c` alone.
#
# Environment (optional): VANDINE_BIN (default .build/release/vandine-exporter), IPERF3_BIN,
# ROUNDS, DURATION (whole seconds, default 3), BITRATE (bit/s, default 5000000000), RESULTS (default benchmarks/results/iperf3.txt).
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
BITRATE=${BITRATE:-5000000000}
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
  iperf3_capped:
    prober: iperf3
    timeout: $((DURATION + 4))s
    iperf3: {duration: ${DURATION}s, bitrate: $BITRATE, preferred_ip_protocol: ip4, ip_protocol_fallback: false}
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

log "$ROUNDS rounds of a ${DURATION}s TCP test (uncapped, then capped at $BITRATE bit/s), iperf3 -c and /probe in turn, server 127.0.0.1:$SPORT"
"$PYTHON" - "$IPERF3_BIN" "$SPORT" "$VPORT" "$VPID" "$DURATION" "$ROUNDS" "$VANDINE_BIN" "$TMP" "$BITRATE" >"$TMP/result.json" <<'EOF'
import json, os, resource, subprocess, sys, time, urllib.request
iperf3, sport, vport, vpid, duration, rounds, vandine, tmp, bitrate = sys.argv[1:10]
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

def direct(extra):
    before = children_cpu()
    start = time.monotonic()
    out = subprocess.run([iperf3, "-c", "127.0.0.1", "-p", sport, "-t", duration, "-J", "-i", "0"] + extra,
                         check=True, capture_output=True, text=True).stdout
    wall = time.monotonic() - start
    report = json.loads(out)
    if report.get("error"):
        raise SystemExit(f"iperf3 -c failed: {report['error']}")
    return report["end"]["sum_received"]["bits_per_second"], wall, children_cpu() - before

def probe(module):
    own0, child0 = proc_cpu(vpid)
    start = time.monotonic()
    body = urllib.request.urlopen(f"http://127.0.0.1:{vport}/probe?module={module}&target=127.0.0.1:{sport}",
                                  timeout=int(duration) + 10).read().decode()
    wall = time.monotonic() - start
    own1, child1 = proc_cpu(vpid)
    values = {line.split()[0]: float(line.split()[1]) for line in body.splitlines() if line and not line.startswith("#")}
    if values.get("probe_success") != 1:
        raise SystemExit("probe failed:\n" + body)
    return values["vandine_iperf3_received_bits_per_second"], wall, own1 - own0, child1 - child0

def measure(module, extra):
    rows = []
    for _ in range(int(rounds)):
        d_bps, d_wall, d_cpu = direct(extra)
        p_bps, p_wall, p_own, p_child = probe(module)
        rows.append({"direct_bps": d_bps, "direct_wall": d_wall, "direct_cpu": d_cpu,
                     "probe_bps": p_bps, "probe_wall": p_wall, "probe_own_cpu": p_own, "probe_child_cpu": p_child})
    return rows

rows = measure("iperf3", [])
capped = measure("iperf3_capped", ["-b", bitrate])

# One-shot CLI, once: process start-up and config load included.
before = children_cpu()
start = time.monotonic()
cli = subprocess.run([vandine, "probe", "--config.file", f"{tmp}/vandine.yml", "--module", "iperf3",
                      "--target", f"127.0.0.1:{sport}"], capture_output=True, text=True)
cli_wall = time.monotonic() - start
cli_cpu = children_cpu() - before
if cli.returncode != 0:
    raise SystemExit("vandine-exporter probe failed:\n" + cli.stdout + cli.stderr)
print(json.dumps({"rows": rows, "capped": capped, "cli_wall": cli_wall, "cli_cpu": cli_cpu}))
EOF

mkdir -p "$(dirname "$RESULTS")"
status=0
"$PYTHON" - "$TMP/result.json" "$("$VANDINE_BIN" --version)" "$("$IPERF3_BIN" --version | head -1)" "$DURATION" "$BITRATE" >"$RESULTS" <<'EOF' || status=$?
import json, statistics, sys
data = json.load(open(sys.argv[1]))
vv, iv, duration, bitrate = sys.argv[2:6]
rows, capped = data["rows"], data["capped"]
def med(key, rs=None): return statistics.median(r[key] for r in (rs or rows))
ratio = med("probe_bps") / med("direct_bps")
capped_ratio = med("probe_bps", capped) / med("direct_bps", capped)
# Mean over all runs: /proc counts CPU in 10 ms ticks, too coarse for one run.
own = sum(r["probe_own_cpu"] for r in rows + capped) / len(rows + capped)
# Uncapped loopback TCP on a small machine swings by 10-50 % from one 3 s run to the next (see
# the per-round ratios), whoever starts iperf3; the capped runs, below what the machine can carry,
# show whether the probe reports what iperf3 measured. Both are printed; the target is checked on
# the capped one and the uncapped median is reported beside it.
checks = [(f"capped at {int(bitrate) / 1e9:g} Gbit/s: throughput through the probe within 5% of iperf3 -c", abs(capped_ratio - 1) <= 0.05),
          ("exporter CPU per run < 0.05 s", own < 0.05)]
print(f"iperf3 benchmark: {len(rows)} rounds of a {duration}s TCP test against one loopback iperf3 -s, per setting (medians)")
print(f"  vandine-exporter {vv}; {iv}")
print()
print(f"1. Throughput (received), uncapped        iperf3 -c: {med('direct_bps') / 1e9:.2f} Gbit/s   /probe: {med('probe_bps') / 1e9:.2f} Gbit/s   ratio {ratio:.3f} ({'within' if abs(ratio - 1) <= 0.05 else 'outside'} 5%)")
print(f"   per round: " + ", ".join(f"{r['probe_bps'] / r['direct_bps']:.3f}" for r in rows))
print(f"   Throughput, capped at {int(bitrate) / 1e9:g} Gbit/s (-b)   iperf3 -c: {med('direct_bps', capped) / 1e9:.3f} Gbit/s   /probe: {med('probe_bps', capped) / 1e9:.3f} Gbit/s   ratio {capped_ratio:.3f} (target 0.95-1.05)")
print(f"   per round: " + ", ".join(f"{r['probe_bps'] / r['direct_bps']:.3f}" for r in capped))
print(f"2. CPU per run             exporter itself (mean of {len(rows + capped)} runs): {own:.4f} s   its iperf3 child: {med('probe_child_cpu'):.3f} s   iperf3 -c direct: {med('direct_cpu'):.3f} s")
print(f"   wall per run            /probe: {med('probe_wall'):.3f} s   iperf3 -c: {med('direct_wall'):.3f} s")
print(f"3. One-shot CLI            vandine-exporter probe: wall {data['cli_wall']:.3f} s, CPU {data['cli_cpu']:.3f} s (iperf3 child and start-up included)")
print()
for name, ok in checks: print(f"   {'PASS' if ok else 'FAIL'}  {name}")
sys.exit(0 if all(ok for _, ok in checks) else 2)
EOF
cat "$RESULTS"
exit "$status"
