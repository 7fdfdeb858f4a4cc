#!/usr/bin/env bash
# bench-serve: the HTTP server under load, on loopback (see scripts/bench/serve/main.go).
#  (a) NDJSON ingest docs/s of DOCS WordNet documents vs in-process embedding of the same
#      texts with the same pack, in the same run (target: ratio ≥ 0.9);
#  (b) search qps and p50/p99 at concurrency 1, 8, 32: vector queries on a vector-only
#      collection of VEC_DOCS pre-computed VEC_DIM-d vectors, and unique text queries on the
#      WordNet collection; before them, the vector collection's default ef (calibrated for
#      index.target_recall 0.98) and its recall@10 against ef 4096 on fresh queries;
#  (c) text queries offered open-loop at 2× the saturation rate for OVERLOAD: status codes
#      (429 expected, no 5xx but 503) and the server's RSS (max, and whether it plateaus).
#  (d) restart: time to /readyz after a clean SIGTERM restart and after kill -9 with
#      RESTART_WRITES writes past the last snapshot (replayed from the store's change log),
#      and after a full rebuild, on a vector-only collection of RESTART_DOCS vectors
#      (scripts/bench/restart; target kill -9 ≤ 2× clean), and how long after the kill -9
#      restart the replayed writes took to fold into the graph in the background.
#      RESTART_DOCS=0 skips it.
# Bounded: each search run lasts DURATION; the whole script takes a few minutes on 2 cores.
#
# Usage: scripts/bench-serve.sh   (env: DOCS=20000 VEC_DOCS=100000 VEC_DIM=384 DURATION=10s
#                                  OVERLOAD=20s PACK=models/test-minilm PORT=18090 QUEUE_SIZE=512
#                                  RESTART_DOCS=100000 RESTART_WRITES=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DOCS=${DOCS:-20000}
VEC_DOCS=${VEC_DOCS:-100000}
VEC_DIM=${VEC_DIM:-384}
DURATION=${DURATION:-10s}
OVERLOAD=${OVERLOAD:-20s}
PACK=${PACK:-models/test-minilm}
PORT=${PORT:-18090}
# A short embedding queue makes 2× overload show as 429s within the run instead of as
# ever-growing latency (ingest waits for room, so it is not affected).
QUEUE_SIZE=${QUEUE_SIZE:-512}
RESTART_DOCS=${RESTART_DOCS:-100000}
RESTART_WRITES=${RESTART_WRITES:-1000}
export CGO_ENABLED=1
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$ROOT/.deps/onnxruntime/libonnxruntime.so.1}
log() { printf 'bench-serve: %s\n' "$*" >&2; }

for f in testdata/generated/wordnet.jsonl "$PACK/instructd.json" "$INSTRUCTD_ORT_LIB"; do
  [ -e "$f" ] || { log "$f is missing: run \`make setup\`"; exit 1; }
done

source scripts/lib/server.sh

log "building bin/instructd and the load generator"
go build -o bin/instructd ./cmd/instructd
go build -o "$WORK/loadgen" ./scripts/bench/serve

log "starting the server on 127.0.0.1:$PORT with $PACK (log: $WORK/serve.log)"
start_server bin/instructd "$PORT" "$PACK" --log-level warn --queue-size "$QUEUE_SIZE"

"$WORK/loadgen" --server "http://127.0.0.1:$PORT" --pid "$SERVER_PID" --pack "$PACK" \
  --ort "$INSTRUCTD_ORT_LIB" --docs "$DOCS" --vec-docs "$VEC_DOCS" --vec-dim "$VEC_DIM" \
  --duration "$DURATION" --overload "$OVERLOAD"

if [ "$RESTART_DOCS" -gt 0 ]; then
  log "restart figures: $RESTART_DOCS vectors, $RESTART_WRITES writes past the snapshot (log: $WORK/restart/restart-serve.log)"
  go run ./scripts/bench/restart --bin bin/instructd --data "$WORK/restart/data" --addr "127.0.0.1:$((PORT + 1))" \
    --n "$RESTART_DOCS" --dim "$VEC_DIM" --writes "$RESTART_WRITES"
fi
