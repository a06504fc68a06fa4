# shellcheck shell=bash
# Environment for building, serving and testing iotdata.
#
#   source scripts/env.sh
#
# Safe to source more than once. Only sets variables; installs nothing
# (scripts/setup.sh does that).

IOTDATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export IOTDATA_ROOT

# node_modules/.bin FIRST: its wasm-opt (npm binaryen, pinned in package.json)
# must win over any Debian binaryen on the system, which produces broken wasm.
# Then ~/.cargo/bin for trunk, wasm-bindgen and wasm-bindgen-test-runner.
_iotdata_prepend_path() {
    case ":${PATH}:" in
        *":$1:"*) PATH="$1:$(printf '%s' ":${PATH}:" | sed "s#:$1:#:#g; s#^:##; s#:\$##")" ;;
        *) PATH="$1:${PATH}" ;;
    esac
}
_iotdata_prepend_path "${CARGO_HOME:-$HOME/.cargo}/bin"
_iotdata_prepend_path "$IOTDATA_ROOT/node_modules/.bin"
unset -f _iotdata_prepend_path
export PATH

# trunk: no update check (the value must be `true`; `1` is rejected), never
# download tools, and insist on the npm binaryen's wasm-opt.
export TRUNK_SKIP_VERSION_CHECK=true
export TRUNK_OFFLINE=true
export TRUNK_TOOLS_WASM_OPT="${TRUNK_TOOLS_WASM_OPT:-version_132}"

# Browsers: Debian's Chromium and ChromeDriver (apt packages chromium,
# chromium-driver). Nothing ever downloads a browser.
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# wasm-bindgen-test-runner (the wasm32 cargo runner, see .cargo/config.toml):
# run wasm tests in the browser (headless Chromium through $CHROMEDRIVER), with
# the Chromium flags from scripts/webdriver.json (it always adds headless,
# no-sandbox and disable-dev-shm-usage itself), and a per-test timeout that
# suits a 2-core machine (default is 20 s).
export WASM_BINDGEN_USE_BROWSER="${WASM_BINDGEN_USE_BROWSER:-1}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$IOTDATA_ROOT/scripts/webdriver.json}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"

# apt-get and friends must never ask anything (CI has no stdin).
export DEBIAN_FRONTEND=noninteractive
