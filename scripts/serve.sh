#!/usr/bin/env bash
# Serve the iotdata live dashboard with `trunk serve`.
#
#   scripts/serve.sh [extra trunk serve args...]
#
# Environment:
#   IOTDATA_ADDRESS   bind address      (default 127.0.0.1)
#   IOTDATA_PORT      port              (default 8080)
#   IOTDATA_RELEASE   1 = release build (default 0: debug, faster to build)
#
# Sets up only what serving needs (wasm32 target, trunk, wasm-bindgen-cli,
# npm packages); once those are installed it works offline.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ADDRESS="${IOTDATA_ADDRESS:-127.0.0.1}"
PORT="${IOTDATA_PORT:-8080}"
RELEASE="${IOTDATA_RELEASE:-0}"

bash "$ROOT/scripts/setup.sh" rust trunk wasm-bindgen npm
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

args=(serve --address "$ADDRESS" --port "$PORT")
case "$RELEASE" in
    1 | true | yes) args+=(--release) ;;
esac
echo "[serve] trunk ${args[*]} $*"
echo "[serve] open http://$ADDRESS:$PORT/"
exec trunk "${args[@]}" "$@"
