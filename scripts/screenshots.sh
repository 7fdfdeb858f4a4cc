#!/usr/bin/env bash
# Saves a PNG screenshot of each web console page into docs/img/ (console-*.png), taken by
# the browser test (api/console_browser_test.go) in headless Chromium at 1200×800 against a
# real server with the test-tiny pack. Needs what `make setup` provides (chromium, the
# test pack, ONNX Runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/img}
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$PWD/.deps/onnxruntime/libonnxruntime.so.1}
export PATH=$PATH:/usr/local/go/bin
mkdir -p "$out"
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || {
  echo "screenshots: chromium is not installed (scripts/setup.d/50-console.sh installs it)" >&2
  exit 1
}
INSTRUCTD_SCREENSHOTS=$(cd "$out" && pwd) go test ./api/ -run '^TestConsoleBrowser$' -count=1
ls -l "$out"/console-*.png
