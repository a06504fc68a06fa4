#!/usr/bin/env bash
# Builds codec/pkg/: the codec's JavaScript API (crate feature `wasm`,
# codec/src/wasm.rs) as an npm-style package `iotdata-codec` for Node and
# browsers. The package is built, never committed (codec/pkg is gitignored).
#
#   scripts/pack-js.sh            build codec/pkg/ (replaces it)
#   node --test codec/pkg-tests/  test it in Node and in headless Chromium
#
# Steps: the codec as a wasm32 cdylib (release profile, feature `wasm`);
# wasm-bindgen (the CLI pinned with the crate, 0.2.130) with `--target web`,
# one ES module that a page loads with `await init()`; wasm-opt -O3 (npm
# binaryen, node_modules/.bin first on PATH); then the hand-written files in
# codec/js/ (package.json, README.md, the Node entry node.mjs that loads the
# wasm synchronously from the package directory).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

OUT="$ROOT/codec/pkg"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM="$TARGET_DIR/wasm32-unknown-unknown/release/iotdata.wasm"

for tool in wasm-bindgen wasm-opt; do
    command -v "$tool" >/dev/null || { echo "pack-js: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done

echo "pack-js: building the codec for wasm32 (feature wasm)"
cargo rustc -p iotdata --lib --release --target wasm32-unknown-unknown --features wasm --crate-type cdylib

rm -rf "$OUT"
mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" --out-name iotdata "$WASM"
wasm-opt -O3 "$OUT/iotdata_bg.wasm" -o "$OUT/iotdata_bg.opt.wasm"
mv "$OUT/iotdata_bg.opt.wasm" "$OUT/iotdata_bg.wasm"

# The package's own files; the version is the crate's.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' codec/Cargo.toml | head -n 1)"
[ -n "$version" ] || { echo "pack-js: no version in codec/Cargo.toml" >&2; exit 1; }
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" codec/js/package.json >"$OUT/package.json"
cp codec/js/README.md codec/js/node.mjs codec/js/node.d.ts "$OUT/"

echo "pack-js: codec/pkg/ (iotdata-codec $version):"
(cd "$OUT" && for f in *; do printf '  %-22s %8d bytes\n' "$f" "$(wc -c <"$f")"; done)
