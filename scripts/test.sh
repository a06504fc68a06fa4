#!/usr/bin/env bash
# The one command that runs every iotdata check and test.
#
#   scripts/test.sh                 run every step below, in order
#   scripts/test.sh fmt clippy      run only the named steps
#   IOTDATA_TEST_QUIET=1 scripts/test.sh
#                                   keep step output in the logs only (the last
#                                   lines of a failing step's log are printed)
#
# Every step runs even when an earlier one failed; each is timed and logged to
# .tmp/test-logs/<step>.log. A summary table follows, then a last line
# `N passed, N failed` counting steps. Exit status is 1 when any step failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

# --- the steps -----------------------------------------------------------------
# name | command
STEPS=(
    "setup           | bash scripts/setup.sh all"
    "fmt             | cargo fmt --all -- --check"
    "clippy          | cargo clippy --workspace --all-targets -- -D warnings"
    "test-native     | cargo test --workspace"
    "fuzz            | cargo run --profile fuzz -p iotdata-fuzz-smoke -- --seconds 60"
    "wasm-build      | cargo build --release --target wasm32-unknown-unknown -p iotdata --lib && cargo build --release --target wasm32-unknown-unknown -p iotdata-sim --lib"
    "wasm-test-codec | cargo test -p iotdata --target wasm32-unknown-unknown --features wasm --test wasm"
    "js-pkg          | bash scripts/pack-js.sh && node --test codec/pkg-tests/"
    "wasm-test-web   | cargo test -p iotdata-web --target wasm32-unknown-unknown"
    "bench-native    | cargo run --release -p iotdata --example bench_native -- .tmp/bench-native.txt"
    "bench-web       | IOTDATA_BENCH_NATIVE=\"\$(cat .tmp/bench-native.txt)\" cargo test -p iotdata-web --target wasm32-unknown-unknown --profile web-release --test bench -- --nocapture"
    "trunk-build     | trunk build --release"
    "e2e             | node --test --test-concurrency=1 \$(ls e2e/*.test.mjs | grep -v '/load\\.test\\.mjs\$')"
    "load            | node --test e2e/load.test.mjs"
)
# -------------------------------------------------------------------------------

# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

LOG_DIR="$ROOT/.tmp/test-logs"
mkdir -p "$LOG_DIR"
QUIET="${IOTDATA_TEST_QUIET:-0}"

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; s="${s%"${s##*[![:space:]]}"}"; printf '%s' "$s"; }
now_ms() { local t="${EPOCHREALTIME//[.,]/}"; echo $((t / 1000)); }
fmt_ms() { local ms=$1; if [ "$ms" -ge 60000 ]; then printf '%dm%02ds' $((ms / 60000)) $((ms % 60000 / 1000)); else printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); fi; }

# Which steps to run: all, or those named on the command line.
declare -A wanted=()
for a in "$@"; do wanted[$a]=1; done
if [ "$#" -gt 0 ]; then
    for a in "$@"; do
        found=0
        for s in "${STEPS[@]}"; do [ "$(trim "${s%%|*}")" = "$a" ] && found=1; done
        [ "$found" -eq 1 ] || { echo "unknown step '$a'; steps: $(for s in "${STEPS[@]}"; do printf '%s ' "$(trim "${s%%|*}")"; done)" >&2; exit 2; }
    done
fi

names=() results=() times=()
passed=0 failed=0
total_start=$(now_ms)
n=${#STEPS[@]}
i=0
for s in "${STEPS[@]}"; do
    i=$((i + 1))
    name="$(trim "${s%%|*}")" cmd="$(trim "${s#*|}")"
    if [ "$#" -gt 0 ] && [ -z "${wanted[$name]:-}" ]; then
        continue
    fi
    names+=("$name")
    log="$LOG_DIR/$name.log"
    echo "=== [$i/$n] $name: $cmd"
    start=$(now_ms)
    if [ "$QUIET" = 1 ]; then
        bash -c "$cmd" </dev/null >"$log" 2>&1
        rc=$?
    else
        bash -c "$cmd" </dev/null 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
    fi
    elapsed=$(($(now_ms) - start))
    times+=("$(fmt_ms "$elapsed")")
    if [ "$rc" -eq 0 ]; then
        results+=("PASS")
        passed=$((passed + 1))
        echo "=== [$i/$n] $name: PASS ($(fmt_ms "$elapsed"))"
    else
        results+=("FAIL")
        failed=$((failed + 1))
        if [ "$QUIET" = 1 ]; then
            echo "--- last 40 lines of $log:"
            tail -n 40 "$log"
        fi
        echo "=== [$i/$n] $name: FAIL (exit $rc, $(fmt_ms "$elapsed"))"
    fi
done
total=$(($(now_ms) - total_start))

echo
echo "=== summary"
printf '%-16s %-6s %9s  %s\n' STEP RESULT TIME LOG
for k in "${!names[@]}"; do
    printf '%-16s %-6s %9s  %s\n' "${names[$k]}" "${results[$k]}" "${times[$k]}" ".tmp/test-logs/${names[$k]}.log"
done
printf '%-16s %-6s %9s\n' total "" "$(fmt_ms "$total")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
