#!/usr/bin/env bash
# bench-eval: end-to-end time of `instructd eval --ingest --modes lexical` on a WordNet set of
# 5,000 documents and 300 queries, against a server this script starts with the test pack.
# Target: under 120 s on 2 cores. The set is built from the project's own generated corpus
# (testdata/generated/wordnet.jsonl, made by `make setup`): the first 5,000 glosses are the
# documents; every 16th of them gives a query (its first lemma, underscores as spaces) whose
# only relevant document is that gloss.
#
# Usage: scripts/bench-eval.sh            (env: DOCS=5000 QUERIES=300 PACK=models/test-minilm PORT=18089)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DOCS=${DOCS:-5000}
QUERIES=${QUERIES:-300}
PACK=${PACK:-models/test-minilm}
PORT=${PORT:-18089}
TARGET=120
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$ROOT/.deps/onnxruntime/libonnxruntime.so.1}
log() { printf 'bench-eval: %s\n' "$*" >&2; }

CORPUS=testdata/generated/wordnet.jsonl
for f in "$CORPUS" "$PACK/instructd.json" "$INSTRUCTD_ORT_LIB"; do
  [ -e "$f" ] || { log "$f is missing: run \`make setup\`"; exit 1; }
done

source scripts/lib/server.sh

log "building bin/instructd"
go build -o bin/instructd ./cmd/instructd

log "building the set: $DOCS documents, $QUERIES queries"
"$PY" - "$CORPUS" "$WORK/set" "$DOCS" "$QUERIES" <<'EOF'
import json, os, sys
src, out, ndocs, nq = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(os.path.join(out, "qrels"))
docs = []
with open(src) as f:
    for line in f:
        docs.append(json.loads(line))
        if len(docs) == ndocs:
            break
if len(docs) < ndocs:
    sys.exit(f"only {len(docs)} documents in {src}")
step = ndocs // nq
with open(os.path.join(out, "corpus.jsonl"), "w") as c:
    for d in docs:
        c.write(json.dumps(d) + "\n")
with open(os.path.join(out, "queries.jsonl"), "w") as q, open(os.path.join(out, "qrels", "test.tsv"), "w") as r:
    r.write("query-id\tcorpus-id\tscore\n")
    for i in range(nq):
        d = docs[i * step]
        lemma = d["title"].split(",")[0].strip().replace("_", " ")
        q.write(json.dumps({"_id": f"q{i}", "text": lemma}) + "\n")
        r.write(f"q{i}\t{d['_id']}\t1\n")
EOF

START=$(date +%s.%N)
log "starting the server on 127.0.0.1:$PORT with $PACK"
start_server bin/instructd "$PORT" "$PACK"
READY=$(date +%s.%N)

bin/instructd eval --dataset "$WORK/set" --server "http://127.0.0.1:$PORT" --collection bench-eval \
  --ingest --modes lexical | tee "$WORK/eval.out"
END=$(date +%s.%N)

SUMMARY=$(tail -n 1 "$WORK/eval.out")
"$PY" - "$START" "$READY" "$END" "$TARGET" "$SUMMARY" <<'EOF'
import json, sys
start, ready, end, target = (float(x) for x in sys.argv[1:5])
s = json.loads(sys.argv[5])
m = s["modes"][0]["scores"]
total = end - start
print(f"bench-eval: server start {ready - start:.1f} s, ingest {s['ingest_seconds']:.1f} s "
      f"({s['ingested']} docs), {s['queries']} lexical queries {s['search_seconds']:.1f} s")
print(f"bench-eval: nDCG@10 {m['ndcg@10']:.4f}, Recall@100 {m['recall@100']:.4f}")
print(f"bench-eval: end to end {total:.1f} s against a {target:.0f} s target "
      f"({total / target:.2f}x of the budget): {'PASS' if total < target else 'FAIL'}")
sys.exit(0 if total < target else 1)
EOF
