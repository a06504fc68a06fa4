#!/usr/bin/env bash
# Idempotent installer for everything iotdata needs to build, serve and test.
#
#   scripts/setup.sh [component...]      (default: all)
#
# Components:
#   rust          wasm32-unknown-unknown target, rustfmt, clippy (never updates the toolchain)
#   trunk         trunk $TRUNK_VERSION (cargo install --locked)
#   wasm-bindgen  wasm-bindgen-cli at the exact wasm-bindgen version in Cargo.lock
#                 (wasm-bindgen, wasm-bindgen-test-runner)
#   npm           `npm ci` from package.json/package-lock.json (leaflet, binaryen's
#                 wasm-opt, playwright-core) when node_modules is missing or stale
#   browser       Debian chromium + chromium-driver, and pngquant (the e2e
#                 screenshots reduced to 256 colours)
#   broker        Debian mosquitto + mosquitto-clients (system service left stopped:
#                 tests start their own brokers on free ports)
#   all           all of the above
#
# Each component is skipped when already present at the right version, so a
# second run is fast and needs no network. Runs as root (CI) or with sudo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

TRUNK_VERSION=0.21.14
ALL_COMPONENTS=(rust npm wasm-bindgen trunk browser broker)

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
fi

# --- helpers -----------------------------------------------------------------

# `apt-get update` once per run (components run in subshells: a file marks it).
APT_UPDATED="$(mktemp -u "${TMPDIR:-/tmp}/iotdata-setup-apt-updated.XXXXXX")"
trap 'rm -f "$APT_UPDATED"' EXIT
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt packages already installed: $*"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
    # While another apt-get or dpkg holds the lock, apt waits for it (up to 15 min).
    if [ ! -e "$APT_UPDATED" ]; then
        log "apt-get update"
        "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=900 update -q
        : >"$APT_UPDATED"
    fi
    log "apt-get install ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
        install -y -q "${missing[@]}"
}

# wasm-bindgen version pinned in Cargo.lock ("" when the lock has none).
cargo_lock_version() {
    awk -v want="$1" '
        /^\[\[package\]\]/ { name = "" }
        /^name = /        { name = $3; gsub(/"/, "", name) }
        /^version = / && name == want { v = $3; gsub(/"/, "", v); print v; exit }
    ' "$ROOT/Cargo.lock" 2>/dev/null || true
}

# --- components --------------------------------------------------------------

setup_rust() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found (the machine's Rust toolchain is installed by rustup)"
    local have
    have="$(rustup target list --installed)"
    if grep -qx wasm32-unknown-unknown <<<"$have"; then
        log "rust: wasm32-unknown-unknown target present"
    else
        log "rust: rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    fi
    local comps c
    comps="$(rustup component list --installed)"
    for c in rustfmt clippy; do
        if grep -q "^$c" <<<"$comps"; then
            log "rust: $c present"
        else
            log "rust: rustup component add $c"
            rustup component add "$c"
        fi
    done
    log "rust: $(rustc --version)"
}

setup_trunk() {
    local have=""
    command -v trunk >/dev/null 2>&1 && have="$(trunk --version 2>/dev/null | awk '{print $2}')"
    if [ "$have" = "$TRUNK_VERSION" ]; then
        log "trunk: $TRUNK_VERSION present"
        return 0
    fi
    log "trunk: found '${have:-none}', installing $TRUNK_VERSION (cargo install --locked; ~10-15 min cold on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
    have="$(trunk --version | awk '{print $2}')"
    [ "$have" = "$TRUNK_VERSION" ] || die "trunk --version says '$have' after install, want $TRUNK_VERSION"
}

setup_wasm_bindgen() {
    local want have="" runner=""
    want="$(cargo_lock_version wasm-bindgen)"
    if [ -z "$want" ]; then
        log "wasm-bindgen: not in Cargo.lock yet; skipping wasm-bindgen-cli"
        return 0
    fi
    command -v wasm-bindgen >/dev/null 2>&1 && have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    command -v wasm-bindgen-test-runner >/dev/null 2>&1 && runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')"
    if [ "$have" = "$want" ] && [ "$runner" = "$want" ]; then
        log "wasm-bindgen: wasm-bindgen-cli $want present (matches Cargo.lock)"
        return 0
    fi
    log "wasm-bindgen: found '${have:-none}' (test runner '${runner:-none}'), Cargo.lock wants $want: cargo install wasm-bindgen-cli --version =$want"
    # Deliberately without --locked (that is the combination known to build here).
    cargo install wasm-bindgen-cli --version "=$want"
    have="$(wasm-bindgen --version | awk '{print $2}')"
    [ "$have" = "$want" ] || die "wasm-bindgen --version says '$have' after install, want $want"
}

setup_npm() {
    command -v node >/dev/null 2>&1 || die "node not found (Node.js >= 20 is expected on the machine)"
    command -v npm >/dev/null 2>&1 || die "npm not found"
    [ -f package-lock.json ] || die "package-lock.json missing"
    local stamp_file="node_modules/.iotdata-npm-stamp" want have=""
    want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node-$(node --version)"
    [ -f "$stamp_file" ] && have="$(cat "$stamp_file")"
    if [ -d node_modules ] && [ "$have" = "$want" ]; then
        log "npm: node_modules up to date with package-lock.json"
    else
        log "npm: npm ci (node_modules missing or package-lock.json changed)"
        npm ci --no-audit --no-fund
        printf '%s\n' "$want" >"$stamp_file"
    fi
    # binaryen's wasm-opt must be the one trunk finds (node_modules/.bin first on PATH).
    local bin_major opt
    bin_major="$(node -p 'require("./package-lock.json").packages["node_modules/binaryen"].version.split(".")[0]')"
    opt="$(command -v wasm-opt || true)"
    [ "$opt" = "$ROOT/node_modules/.bin/wasm-opt" ] || die "wasm-opt on PATH is '${opt:-none}', expected $ROOT/node_modules/.bin/wasm-opt"
    wasm-opt --version | grep -q "version ${bin_major} " || die "wasm-opt --version: '$(wasm-opt --version)', want version $bin_major"
    log "npm: $(wasm-opt --version) (node_modules/.bin), node $(node --version)"
}

setup_browser() {
    apt_install chromium chromium-driver pngquant
    [ -x "$CHROMIUM_BIN" ] || die "$CHROMIUM_BIN missing after install"
    [ -x "$CHROMEDRIVER" ] || die "$CHROMEDRIVER missing after install"
    command -v pngquant >/dev/null 2>&1 || die "pngquant missing after install"
    log "browser: $("$CHROMIUM_BIN" --version 2>/dev/null | head -n1); $("$CHROMEDRIVER" --version 2>/dev/null | head -n1 | cut -d' ' -f1-2); pngquant $(pngquant --version 2>/dev/null)"
}

setup_broker() {
    apt_install mosquitto mosquitto-clients
    command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || die "mosquitto missing after install"
    # Tests start their own broker on a free port; the system service would
    # hold 1883. Debian's package may start it (on a machine with an init
    # system): stop it and keep it from starting at boot.
    local pidfile=/run/mosquitto/mosquitto.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        log "broker: stopping the system mosquitto service (pid $(cat "$pidfile"))"
        "${SUDO[@]}" service mosquitto stop >/dev/null 2>&1 \
            || "${SUDO[@]}" /etc/init.d/mosquitto stop >/dev/null 2>&1 \
            || log "broker: WARNING: could not stop the system mosquitto service"
    fi
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        "${SUDO[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/mosquitto ]; then
        "${SUDO[@]}" update-rc.d mosquitto disable >/dev/null 2>&1 || true
    fi
    log "broker: $(/usr/sbin/mosquitto -h 2>/dev/null | head -n1 || true) (system service not running)"
}

# --- main --------------------------------------------------------------------

components=("$@")
[ "${#components[@]}" -eq 0 ] && components=(all)
todo=()
for c in "${components[@]}"; do
    case "$c" in
        all) todo+=("${ALL_COMPONENTS[@]}") ;;
        rust | trunk | wasm-bindgen | npm | browser | broker) todo+=("$c") ;;
        -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown component '$c' (known: all ${ALL_COMPONENTS[*]})" ;;
    esac
done

# Unique, in the order given.
declare -A seen_=()
uniq=()
for c in "${todo[@]}"; do
    [ -n "${seen_[$c]:-}" ] && continue
    seen_[$c]=1
    uniq+=("$c")
done

run_component() {
    local c="$1" start=$SECONDS
    "setup_${c//-/_}"
    log "$c: ok ($((SECONDS - start))s)"
}

status=0
for c in "${uniq[@]}"; do
    # Not `if ! (...)`: that would switch off errexit inside the component.
    set +e
    (set -e; run_component "$c")
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        status=1
        log "$c: FAILED"
    fi
done

if [ "$status" -ne 0 ]; then
    die "some components failed (see above)"
fi
log "done: ${uniq[*]}"
