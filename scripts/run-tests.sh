#!/usr/bin/env bash
# Runs the whole suite (already built) and ends with one plain summary line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# swift-testing's closing line: "Test run with N tests in M suites passed|failed after … [with K issues]."
total=$(grep -oE 'Test run with [0-9]+ tests?' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^✘ Test ' "$log" | grep -v '^✘ Test run with' | grep -cE ' failed after' || true)
echo
echo "tests: $((total - failed)) passed, ${failed} failed"
exit "$status"
