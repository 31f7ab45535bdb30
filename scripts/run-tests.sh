#!/usr/bin/env bash
# Runs the whole suite (already built) in two phases and ends with one plain summary line:
# "N passed, N failed".
#
# Phase 1: the exporter's targets (probes, config, curl, the exporter binary). Phase 2: the
# alert targets (alertmanager-lite against real Prometheus servers, a 3-minute outage test).
# swift-testing starts every suite of a run at once; with both halves together (113 suites,
# several Prometheus, sshd and node_exporter processes starting in the same second on 2 cores)
# the probes' deadline tests missed their bounds by seconds. Apart, each half keeps its timing.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ALERT_TARGETS='AlertCoreTests|AlertManagerLiteTests'
swift test --skip-build --skip "$ALERT_TARGETS" 2>&1 | tee "$log"
first=${PIPESTATUS[0]}
swift test --skip-build --filter "$ALERT_TARGETS" 2>&1 | tee -a "$log"
second=${PIPESTATUS[0]}
# swift-testing's closing line of each run: "Test run with N tests in M suites passed|failed after …".
total=$(grep -oE 'Test run with [0-9]+ tests?' "$log" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
failed=$(grep -E '^✘ Test ' "$log" | grep -v '^✘ Test run with' | grep -cE ' failed after' || true)
echo
echo "tests: $((total - failed)) passed, ${failed} failed"
[[ $first == 0 && $second == 0 ]]
