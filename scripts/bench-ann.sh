#!/usr/bin/env bash
# bench-ann: instructd's vector index against python3-hnswlib (same M / ef_construction /
# ef), the exact engine and coder/hnsw v0.6.1, on identical vectors, single-threaded.
# Datasets: clustered synthetic (seeded) and WordNet glosses through the test-minilm
# pack's embedding stage (scripts/bench/ann/textvecs.py). Vector files are cached under
# testdata/generated/ann/. Prints markdown tables with ratios vs python3-hnswlib.
#
#   scripts/bench-ann.sh                 # N=100000 (takes a while)
#   N=20000 scripts/bench-ann.sh         # quick run
#   DATASETS=clustered ENGINES=instructd,exact scripts/bench-ann.sh
#   PEER_REUSE=1 ...                     # reuse a cached python3-hnswlib row (not the same run)
#   NO_PEER=1 EFS=128,256 ...            # our engines only (e.g. an ef sweep)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
Q=${Q:-1000}
DIM=384
M=${M:-16}
EFC=${EFC:-200}
EFS=${EFS:-16,32,64,128,256,512}
K=10
ENGINES=${ENGINES:-instructd,exact,coder}
DATASETS=${DATASETS:-clustered wordnet}
PY=/usr/bin/python3
OUT=testdata/generated/ann
mkdir -p "$OUT"

go build -o "$OUT/ann" ./scripts/bench/ann

report="$OUT/bench-ann-$N-$(echo "$DATASETS" | tr ' ' -)-$(echo "$ENGINES" | tr , -)-ef$(echo "$EFS" | tr , -).md"
: > "$report"
for ds in $DATASETS; do
  base="$OUT/$ds-$N.base.fvecs"
  queries="$OUT/$ds-$N.query.fvecs"
  gt="$OUT/$ds-$N.gt"
  if [[ ! -s "$base" || ! -s "$queries" ]]; then
    case "$ds" in
      clustered)
        echo "bench-ann: generating clustered vectors (N=$N, Q=$Q, D=$DIM)" >&2
        "$OUT/ann" gen -n "$N" -q "$Q" -dim "$DIM" -base "$base" -queries "$queries" ;;
      wordnet)
        [[ -s models/test-minilm/model.onnx && -s testdata/generated/wordnet.jsonl ]] || bash scripts/setup.sh
        echo "bench-ann: embedding WordNet glosses (N=$N, Q=$Q)" >&2
        "$PY" scripts/bench/ann/textvecs.py models/test-minilm testdata/generated/wordnet.jsonl "$N" "$Q" "$base" "$queries" ;;
      *) echo "bench-ann: unknown dataset $ds" >&2; exit 2 ;;
    esac
  fi
  [[ -s "$gt" ]] || "$OUT/ann" gt -base "$base" -queries "$queries" -k "$K" -out "$gt"
  peer="$OUT/$ds-$N-M$M-efc$EFC.peer.json"
  if [[ "${NO_PEER:-0}" == 1 ]]; then
    peer=""
  elif [[ "${PEER_REUSE:-0}" == 1 && -s "$peer" ]]; then
    echo "bench-ann: $ds: reusing $peer" >&2
  else
    echo "bench-ann: $ds: python3-hnswlib" >&2
    "$PY" scripts/bench/ann/peer.py "$base" "$queries" "$gt" "$M" "$EFC" "$EFS" "$K" "$peer"
  fi
  echo "bench-ann: $ds: Go engines ($ENGINES)" >&2
  "$OUT/ann" run -label "$ds" -base "$base" -queries "$queries" -gt "$gt" -peer "$peer" \
    -m "$M" -efc "$EFC" -ef "$EFS" -k "$K" -engines "$ENGINES" -json "$OUT/$ds-$N-$(echo "$ENGINES" | tr , -)-ef$(echo "$EFS" | tr , -).json" | tee -a "$report"
done
echo "bench-ann: report in $report" >&2
