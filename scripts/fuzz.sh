#!/usr/bin/env bash
# Builds the libFuzzer harnesses in fuzz/ and runs each for FUZZ_SECONDS (default 600), both at
# once (one per core). Usage: `bash scripts/fuzz.sh` (or `make fuzz`); `FUZZ_SECONDS=60` for a short run.
#
# - fuzz-exposition: fuzz/FuzzExpositionParser.swift (exposition parser + encoder round trip)
# - fuzz-config:     fuzz/FuzzConfigLoader.swift (ConfigLoader + ConfigRenderer round trip, WebConfig)
#
# Built with swiftc/clang straight from the sources, not with SwiftPM (SwiftPM executables need a
# `main`, libFuzzer brings its own, and a second `swift build` would collide with a running one):
# the VandineCore files the harnesses need (Config/, Config/Modules/, Network/, Time/, Web/, Exposition/, Text/, with Debian's libyaml;
# Runtime/ and Logging/ are left out so swift-log is not needed) + the CCrypt shim -> each harness.
# Everything goes to fuzz/bin/ (git-ignored); corpora grow in fuzz/corpus-<name>/ (git-ignored),
# seeded from fuzz/seeds/<name>/. A crash, timeout or OOM input is saved under
# fuzz/bin/artifacts/<name>/ and the script exits 1; replay it with `fuzz/bin/fuzz-<name> FILE`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-20}   # seconds one input may take before it counts as a hang
BIN=fuzz/bin
OBJ=$BIN/build
CORE=Sources/VandineCore
SANITIZE=(-sanitize=fuzzer,address)

mkdir -p "$OBJ/include/CCrypt"

# True when $1 is missing or older than any of the other arguments.
stale() {
    local target=$1; shift
    [ -e "$target" ] || return 0
    [ -n "$(find "$@" -newer "$target" -print -quit)" ]
}

# swiftc -emit-library -static leaves its object files in the working directory: run it in $OBJ.
swiftc_in_obj() { (cd "$OBJ" && swiftc "$@"); }

# libyaml is Debian's (libyaml-dev, not instrumented); Sources/CYAML has its module map.
YAML_FLAGS=(-I "$ROOT/Sources/CYAML")

# 1. CCrypt, with the module map SwiftPM would generate for its include/ folder.
if stale "$OBJ/libCCrypt.a" Sources/CCrypt; then
    echo "fuzz: building CCrypt" >&2
    clang -c -O1 -g -fsanitize=fuzzer-no-link,address -I Sources/CCrypt/include \
        Sources/CCrypt/crypt_shim.c -o "$OBJ/ccrypt-crypt_shim.o"
    ar rcs "$OBJ/libCCrypt.a" "$OBJ/ccrypt-crypt_shim.o"
fi
printf 'module CCrypt {\n    header "%s"\n    export *\n}\n' "$ROOT/Sources/CCrypt/include/CCrypt.h" \
    > "$OBJ/include/CCrypt/module.modulemap"

# 2. The VandineCore subset, with the package's Swift settings (Swift 6 mode, ExistentialAny).
CORE_SOURCES=("$CORE"/Config/*.swift "$CORE"/Config/Modules/*.swift "$CORE"/Network/*.swift "$CORE"/Time/*.swift "$CORE"/Web/*.swift "$CORE"/Exposition/*.swift "$CORE"/Text/*.swift)
if grep -l '^import Logging' "${CORE_SOURCES[@]}" >&2; then
    echo "fuzz: the files above import Logging; leave them out of CORE_SOURCES or add swift-log" >&2
    exit 2
fi
if stale "$OBJ/libVandineCore.a" "${CORE_SOURCES[@]}" "$OBJ/libCCrypt.a"; then
    echo "fuzz: building VandineCore (Config, Time, Web, Exposition, Text)" >&2
    swiftc_in_obj "${SANITIZE[@]}" -parse-as-library -O -g -swift-version 6 -enable-upcoming-feature ExistentialAny \
        -I . -Xcc "-I$ROOT/$OBJ/include/CCrypt" "${YAML_FLAGS[@]}" \
        -module-name VandineCore -emit-module -emit-module-path VandineCore.swiftmodule \
        -emit-library -static -o libVandineCore.a "${CORE_SOURCES[@]/#/$ROOT/}"
fi

# 3. The harnesses.
build_harness() {  # name source
    local name=$1 source=$2
    if stale "$BIN/fuzz-$name" "$source" "$OBJ/libVandineCore.a"; then
        echo "fuzz: building fuzz-$name" >&2
        swiftc_in_obj "${SANITIZE[@]}" -parse-as-library -O -g -swift-version 6 -use-ld=lld \
            -I . -Xcc "-I$ROOT/$OBJ/include/CCrypt" "${YAML_FLAGS[@]}" \
            "$ROOT/$source" -o "$ROOT/$BIN/fuzz-$name" \
            -L . -lVandineCore -lCCrypt -lcrypt -lyaml
    fi
}
build_harness exposition fuzz/FuzzExpositionParser.swift
build_harness config fuzz/FuzzConfigLoader.swift

# Runs one harness for FUZZ_SECONDS; its log goes to fuzz/bin/fuzz-<name>.log.
run_harness() {  # name
    local name=$1
    local corpus=fuzz/corpus-$name artifacts=$BIN/artifacts/$name
    local dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    mkdir -p "$corpus" "$artifacts"
    # New inputs are written to the first folder (the corpus); the seeds are only read. stdin is
    # /dev/null so a `password_file: /dev/stdin` input cannot block on the terminal.
    SWIFT_BACKTRACE=enable=no "$BIN/fuzz-$name" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
        "$corpus" "fuzz/seeds/$name" < /dev/null > "$BIN/fuzz-$name.log" 2>&1
}

NAMES=(exposition config)
marker=$BIN/.run-started
touch "$marker"
declare -A pid started
for name in "${NAMES[@]}"; do
    started[$name]=$(date +%s)
    run_harness "$name" &
    pid[$name]=$!
done
echo "fuzz: running ${NAMES[*]} for ${FUZZ_SECONDS}s each (logs: $BIN/fuzz-<name>.log)" >&2

failed=0
for name in "${NAMES[@]}"; do
    status=0
    wait "${pid[$name]}" || status=$?
    seconds=$(( $(date +%s) - ${started[$name]} ))
    log=$BIN/fuzz-$name.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    mapfile -t found < <(find "$BIN/artifacts/$name" -type f -newer "$marker" | sort)
    line="fuzz-$name: ${runs:-?} runs in ${seconds}s, ${#found[@]} crashes"
    if [ "${#found[@]}" -gt 0 ] || [ "$status" -ne 0 ]; then
        failed=1
        line+=" (exit $status; log $log)"
        for file in "${found[@]}"; do line+=$'\n'"  crash file: $file"; done
        details=$(grep -m 3 -E 'Fatal error|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY' "$log" || true)
        [ -n "$details" ] && line+=$'\n'"$(sed 's/^/  /' <<< "$details")"
    fi
    echo "$line"
done
exit "$failed"
