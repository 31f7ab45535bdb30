#!/usr/bin/env bash
# Records smokeping_prober-0.6.1.prom: the real smokeping_prober's smokeping_* series, which
# SmokepingGoldenTests compares ours with (names, label names, HELP, TYPE, bucket bounds).
# Run as root (raw ICMP) on Debian 12 with prometheus-smokeping-prober 0.6.1 installed.
# Only loopback is pinged; the listen address is loopback too.
set -euo pipefail
out=$(dirname "$0")/smokeping_prober-0.6.1.prom
empty=$(mktemp); echo "targets: []" >"$empty"; trap 'rm -f "$empty"; kill "$pid" 2>/dev/null || true' EXIT
/usr/bin/prometheus-smokeping-prober --config.file="$empty" --privileged \
    --web.listen-address=127.0.0.1:19374 127.0.0.1 127.0.0.2 >/dev/null 2>&1 &
pid=$!
sleep 5
{
    echo "# captured $(date -u +%Y-%m-%d) from $(/usr/bin/prometheus-smokeping-prober --version 2>&1 | head -1)"
    echo "# by Tests/ProbesTests/Fixtures/smokeping/capture.sh: 127.0.0.1 and 127.0.0.2 at 1s for 5s"
    curl -fsS http://127.0.0.1:19374/metrics | grep -E '^(# (HELP|TYPE) )?smokeping_[a-z_]+' | grep -v '^# [A-Z]* smokeping_prober_\|^smokeping_prober_'
} >"$out"
