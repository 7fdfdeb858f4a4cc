#!/usr/bin/env bash
# Embedding throughput, in one run: instructd's Embedder (documents, default config) against
# raw ONNX Runtime on the same length-sorted, pre-tokenised batches (the ceiling) and against
# @huggingface/transformers (transformers.js) feature-extraction at its best batch size, all
# on the first N WordNet glosses with the test-minilm pack and the same thread count.
#
#   N=5000 THREADS=$(nproc) WORKERS=0 PACK=models/test-minilm TJS_BATCHES=1,8,16,32,64 bash scripts/bench-embed.sh
#
# PACK may be any fp32 pack with a tokenizer this build reads, e.g. the Qwen3-shaped decoder
# (PACK=models/test-qwen3: past_key_values fed empty, last-token pooling with the appended
# token; transformers.js pads left and gets the token in the text).
#
# WORKERS is instructd's --inference-workers (0: embed's default); raw ORT is reported both
# as one session of THREADS threads and split into the same workers.
#
# The machine should be quiet: every engine here wants every core.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
THREADS=${THREADS:-$(nproc)}
WORKERS=${WORKERS:-0}
PACK=${PACK:-models/test-minilm}
TJS_BATCHES=${TJS_BATCHES:-1,8,16,32,64}
TJS_VERSION=4.2.0 # depends on onnxruntime-node 1.24.3, the ONNX Runtime instructd uses
export PATH=/usr/local/go/bin:$PATH

if [ ! -s "$PACK/instructd.json" ] || [ ! -s testdata/generated/wordnet.jsonl ] || [ ! -s .deps/onnxruntime/libonnxruntime.so.1 ]; then
  bash scripts/setup.sh
fi
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$PWD/.deps/onnxruntime/libonnxruntime.so.1}
if [ ! -f scripts/node_modules/@huggingface/transformers/package.json ]; then
  echo "bench-embed: installing @huggingface/transformers@$TJS_VERSION into scripts/node_modules" >&2
  # --ignore-scripts: onnxruntime-node's postinstall downloads binaries; its npm tarball
  # already holds bin/napi-v6/linux/x64.
  (cd scripts && npm install --ignore-scripts --no-save --no-package-lock --no-audit --no-fund \
    "@huggingface/transformers@$TJS_VERSION" >&2)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/embed-bench" ./scripts/bench/embed
echo "bench-embed: $N docs, $THREADS threads, pack $PACK, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench-embed: onnxruntime-node $(node -p "require('./scripts/node_modules/onnxruntime-node/package.json').version"), transformers.js $(node -p "require('./scripts/node_modules/@huggingface/transformers/package.json').version")" >&2
"$tmp/embed-bench" -pack "$PACK" -n "$N" -threads "$THREADS" -inference-workers "$WORKERS" -dump-texts "$tmp/texts.jsonl" | tee "$tmp/results.jsonl"
node scripts/bench/embed/transformers.mjs "$PACK" "$tmp/texts.jsonl" "$THREADS" "$TJS_BATCHES" | tee -a "$tmp/results.jsonl"
echo "bench-embed: load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node scripts/bench/embed/summarise.mjs < "$tmp/results.jsonl"
