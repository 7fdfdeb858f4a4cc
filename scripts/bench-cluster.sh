#!/usr/bin/env bash
# bench-cluster: the same N seeded DIM-d vectors and queries, in one run, against
#   1. instructd-local (bbolt + hnswlib);
#   2. instructd → Weaviate, single node;
#   3. Weaviate directly over gRPC, single node;
#   4. instructd → Weaviate, 3 nodes, replicas 3 (QUORUM);
#   5. Weaviate directly over gRPC, 3 nodes, replicas 3 (QUORUM).
# Each row: NDJSON (or gRPC batch) ingest objects/s, k=10 vector-search QPS and p50/p99
# at concurrency 1 and 8 (DURATION each), recall@10 against exact search. Each
# instructd → Weaviate row and its direct row are measured together (--mode pair): the
# DURATION is split into ROUNDS rounds in which the two take turns, so that load from
# outside the benchmark falls on both alike; the log prints their QPS ratio and the CPU
# time per query of the load generator, instructd and Weaviate (/proc). Each direct
# row's class copies the vectorIndexConfig (maxConnections, efConstruction, ef, …), shard
# count and replication factor of the class instructd created just before
# (Instructd_bench), and each search asks Weaviate for what instructd's dense search
# without include asks: k results with their iid property and distance, over a gRPC
# connection set up as instructd's (fixed 4 MiB flow-control windows). Everything
# runs on loopback inside a network namespace of its own (root needed; see
# scripts/weaviate.sh). Needs .deps/weaviate/bin/weaviate-server (make setup).
#
# Usage: scripts/bench-cluster.sh   (env: N=20000 DIM=128 DURATION=10s QUERIES=200
#        ROUNDS=5, EF_SEARCH=0: the collections' index.ef_search (0: the default),
#        ROWS="local wv1 wv3": which groups of rows to run, INSTRUCTD_BIN: a prebuilt
#        instructd to measure instead of building bin/instructd)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-20000}
DIM=${DIM:-128}
DURATION=${DURATION:-10s}
QUERIES=${QUERIES:-200}
ROUNDS=${ROUNDS:-5}
EF_SEARCH=${EF_SEARCH:-0}
ROWS=${ROWS:-local wv1 wv3}
export CGO_ENABLED=1
log() { printf 'bench-cluster: %s\n' "$*" >&2; }

[ -x .deps/weaviate/bin/weaviate-server ] || { log "no Weaviate binary: run scripts/weaviate.sh build (make setup does)"; exit 1; }
WORK=$(mktemp -d /tmp/instructd-bench-cluster.XXXXXX)
NS=instructd-bench-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  bash scripts/weaviate.sh stop "$NS" "$WORK/wv1" keep-netns 2>/dev/null || true
  bash scripts/weaviate.sh stop "$NS" "$WORK/wv3" keep-netns 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log "building bin/instructd and the load generator"
BIN=${INSTRUCTD_BIN:-bin/instructd}
[ -n "${INSTRUCTD_BIN:-}" ] || go build -o bin/instructd ./cmd/instructd
go build -o "$WORK/loadgen" ./scripts/bench/cluster
bash scripts/weaviate.sh netns "$NS"
inns() { ip netns exec "$NS" "$@"; }

# serve PORT [flags…] starts instructd in the namespace and waits for /readyz.
serve() {
  local port=$1
  shift
  # Not through inns: $! must be instructd itself (ip netns exec execs it), not a subshell.
  ip netns exec "$NS" "$BIN" serve --addr "127.0.0.1:$port" --data "$WORK/data-$port" --log-level warn "$@" >"$WORK/serve-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    inns curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$WORK/serve-$port.log" >&2
  log "instructd on $port never became ready"
  exit 1
}
wvpids() { cat "$1"/node*.pid | paste -sd, -; }
gen() { inns "$WORK/loadgen" --n "$N" --dim "$DIM" --duration "$DURATION" --queries "$QUERIES" --rounds "$ROUNDS" --ef-search "$EF_SEARCH" "$@"; }

log "N=$N DIM=$DIM DURATION=$DURATION EF_SEARCH=$EF_SEARCH ROWS=\"$ROWS\"; $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| target | ingest obj/s | QPS c=1 | p50 ms | p99 ms | QPS c=8 | p50 ms | p99 ms | recall@10 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
if [[ " $ROWS " == *" local "* ]]; then
  serve 18100
  gen --mode instructd --url http://127.0.0.1:18100 --label "instructd-local"
fi

if [[ " $ROWS " == *" wv1 "* ]]; then
  log "Weaviate, 1 node"
  bash scripts/weaviate.sh start "$NS" "$WORK/wv1" 1
  serve 18101 --backend weaviate --weaviate-url http://127.0.0.1:8080 --weaviate-grpc 127.0.0.1:50051
  gen --mode pair --tier-pid "${PIDS[-1]}" --weaviate-pids "$(wvpids "$WORK/wv1")" --url http://127.0.0.1:18101 --rest http://127.0.0.1:8080 --grpc 127.0.0.1:50051 --like Instructd_bench \
    --label "instructd → Weaviate, 1 node" --direct-label "Weaviate gRPC direct, 1 node"
  kill "${PIDS[-1]}"
  bash scripts/weaviate.sh stop "$NS" "$WORK/wv1" keep-netns
fi

if [[ " $ROWS " == *" wv3 "* ]]; then
  log "Weaviate, 3 nodes"
  bash scripts/weaviate.sh start "$NS" "$WORK/wv3" 3
  serve 18102 --backend weaviate --weaviate-url http://127.0.0.1:8080 --weaviate-grpc 127.0.0.1:50051
  gen --mode pair --tier-pid "${PIDS[-1]}" --weaviate-pids "$(wvpids "$WORK/wv3")" --url http://127.0.0.1:18102 --rest http://127.0.0.1:8080 --grpc 127.0.0.1:50051 --like Instructd_bench --replicas 3 \
    --label "instructd → Weaviate, 3 nodes, replicas 3" --direct-label "Weaviate gRPC direct, 3 nodes, replicas 3"
fi
log "done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
