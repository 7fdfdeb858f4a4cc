#!/usr/bin/env bash
# Reranking throughput and latency, in one run: instructd's Reranker (the dynamic batcher,
# default config) against @huggingface/transformers AutoModelForSequenceClassification on
# the same (query, WordNet gloss) pairs and the same MiniLM-shaped cross-encoder
# (models/test-reranker), same thread count; then p50/p99 of an in-process search (k 10)
# whose rerank stage re-scores 50 candidates, at concurrency 1 and 8.
#
#   QUERIES=40 DOCS=50 THREADS=$(nproc) TJS_BATCHES=8,16,32,64 ROUNDS=3 bash scripts/bench-rerank.sh
#   (RERANK_MAX_BATCH_TOKENS=N, RERANK_WORKERS=N try other batcher settings on instructd's side)
#
# The machine should be quiet: every engine here wants every core.
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES=${QUERIES:-40}
DOCS=${DOCS:-50}
THREADS=${THREADS:-$(nproc)}
ROUNDS=${ROUNDS:-3}
PACK=${PACK:-models/test-reranker}
TJS_BATCHES=${TJS_BATCHES:-8,16,32,64}
export PATH=/usr/local/go/bin:$PATH
if [ ! -s "$PACK/model.onnx" ] || [ ! -s models/test-minilm/model.onnx ] || [ ! -s testdata/generated/wordnet.jsonl ]; then
  bash scripts/setup.sh
fi
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$PWD/.deps/onnxruntime/libonnxruntime.so.1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/rerank-bench" ./scripts/bench/rerank
echo "bench-rerank: $((QUERIES * DOCS)) pairs, $THREADS threads, pack $PACK, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$tmp/rerank-bench" -pack "$PACK" -queries "$QUERIES" -docs "$DOCS" -threads "$THREADS" -rounds "$ROUNDS" \
  -dump-pairs "$tmp/pairs.jsonl" -skip-latency | tee "$tmp/results.jsonl"
node scripts/bench/rerank/transformers.mjs "$PACK" "$tmp/pairs.jsonl" "$THREADS" "$TJS_BATCHES" "$ROUNDS" | tee -a "$tmp/results.jsonl"
"$tmp/rerank-bench" -pack "$PACK" -threads "$THREADS" -queries 1 -docs 1 -rounds 1 | grep instructd-search | tee -a "$tmp/results.jsonl"
echo "bench-rerank: load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node scripts/bench/rerank/summarise.mjs < "$tmp/results.jsonl"
