#!/usr/bin/env bash
# Weaviate v1.35.2 for instructd's `--backend weaviate`: build it once, and run a single
# node or a 3-node Raft cluster on loopback inside a network namespace of its own.
#
#   scripts/weaviate.sh build                 # go install into .deps/weaviate/bin (once)
#   scripts/weaviate.sh netns NAME            # create netns NAME with only lo up (idempotent)
#   scripts/weaviate.sh start NAME DIR N      # start N (1 or 3) nodes in netns NAME, data under DIR
#   scripts/weaviate.sh stop NAME DIR [keep-netns]  # stop every node started under DIR, delete netns NAME
#   scripts/weaviate.sh kill DIR I            # kill -9 node I (0-based)
#   scripts/weaviate.sh exec NAME CMD...      # run CMD inside the namespace (e.g. curl, instructd)
#
# Weaviate binds gRPC (50051+), gossip (7100+), data (7101+) and Raft (8300+) ports on
# every interface; inside a namespace with only `lo` up they are reachable from nothing
# else. Node i listens on REST 127.0.0.1:(8080+i), gRPC :(50051+i), gossip :(7100+2i),
# data :(7101+2i), Raft :(8300+2i), Raft RPC :(8301+2i). Root is needed for ip netns.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=v1.35.2
BIN=${WEAVIATE_BIN:-$ROOT/.deps/weaviate/bin/weaviate-server}

log() { printf 'weaviate.sh: %s\n' "$*" >&2; }

build() {
  if [ -x "$BIN" ]; then log "$BIN present"; return; fi
  local go; go=$(command -v go || echo /usr/local/go/bin/go)
  log "building Weaviate $VERSION into $(dirname "$BIN") (several minutes)"
  mkdir -p "$(dirname "$BIN")"
  GOBIN=$(dirname "$BIN") "$go" install "github.com/weaviate/weaviate/cmd/weaviate-server@$VERSION"
}

netns() {
  local ns=$1
  ip netns list | grep -qw "^$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
}

# node_env I N prints the environment of node I of an N-node cluster.
node_env() {
  local i=$1 n=$2 dir=$3 join="" j
  for ((j = 0; j < n; j++)); do join+="${join:+,}node$j:$((8300 + 2 * j))"; done
  cat <<EOF
PERSISTENCE_DATA_PATH=$dir/node$i
AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true
DEFAULT_VECTORIZER_MODULE=none
DISABLE_TELEMETRY=true
AUTOSCHEMA_ENABLED=false
QUERY_DEFAULTS_LIMIT=25
LOG_LEVEL=${WEAVIATE_LOG_LEVEL:-warning}
GOMAXPROCS=${WEAVIATE_GOMAXPROCS:-2}
GRPC_PORT=$((50051 + i))
CLUSTER_HOSTNAME=node$i
CLUSTER_IN_LOCALHOST=true
CLUSTER_ADVERTISE_ADDR=127.0.0.1
CLUSTER_BIND_ADDR=127.0.0.1
CLUSTER_GOSSIP_BIND_PORT=$((7100 + 2 * i))
CLUSTER_DATA_BIND_PORT=$((7101 + 2 * i))
RAFT_PORT=$((8300 + 2 * i))
RAFT_INTERNAL_RPC_PORT=$((8301 + 2 * i))
RAFT_JOIN=$join
RAFT_BOOTSTRAP_EXPECT=$n
PROMETHEUS_MONITORING_ENABLED=false
GO_PROFILING_PORT=$((6060 + i))
EOF
  if [ "$i" -gt 0 ]; then echo "CLUSTER_JOIN=localhost:7100"; fi
}

start() {
  local ns=$1 dir=$2 n=${3:-1} i
  [ -x "$BIN" ] || { log "no $BIN: run scripts/weaviate.sh build"; exit 1; }
  netns "$ns"
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    mkdir -p "$dir/node$i"
    # shellcheck disable=SC2046
    ip netns exec "$ns" env $(node_env "$i" "$n" "$dir" | tr '\n' ' ') \
      "$BIN" --scheme http --host 127.0.0.1 --port $((8080 + i)) \
      --read-timeout=600s --write-timeout=600s >"$dir/node$i.log" 2>&1 &
    echo $! >"$dir/node$i.pid"
    if [ "$i" = 0 ] && [ "$n" -gt 1 ]; then
      # The others join through node0's gossip port and exit if it is not up yet.
      local w=0
      until ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/7100' 2>/dev/null; do
        w=$((w + 1)); [ $w -gt 240 ] && { log "node0 gossip port not up; see $dir/node0.log"; exit 1; }
        sleep 0.25
      done
    fi
  done
  for ((i = 0; i < n; i++)); do
    local t=0
    until ip netns exec "$ns" curl -fsS "http://127.0.0.1:$((8080 + i))/v1/.well-known/ready" >/dev/null 2>&1; do
      t=$((t + 1))
      kill -0 "$(cat "$dir/node$i.pid")" 2>/dev/null || { log "node$i exited; see $dir/node$i.log"; tail -3 "$dir/node$i.log" >&2; exit 1; }
      if [ $t -gt 240 ]; then log "node$i not ready after 120s; see $dir/node$i.log"; exit 1; fi
      sleep 0.5
    done
  done
  log "$n node(s) ready in netns $ns (REST 127.0.0.1:8080.., gRPC :50051..)"
}

kill_node() {
  local dir=$1 i=$2
  [ -s "$dir/node$i.pid" ] && kill -9 "$(cat "$dir/node$i.pid")" 2>/dev/null || true
  rm -f "$dir/node$i.pid"
}

stop() {
  local ns=$1 dir=$2 keep=${3:-} f p t
  local pids=()
  for f in "$dir"/node*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f")
    kill "$p" 2>/dev/null && pids+=("$p")
    rm -f "$f"
  done
  for p in "${pids[@]}"; do
    t=0
    while kill -0 "$p" 2>/dev/null && [ $t -lt 60 ]; do sleep 0.5; t=$((t + 1)); done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "$keep" != keep-netns ]; then
    ip netns list | grep -qw "^$ns" && ip netns del "$ns" || true
  fi
}

cmd=${1:-}
shift || true
case $cmd in
  build) build ;;
  netns) netns "$1" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  kill) kill_node "$@" ;;
  exec) ns=$1; shift; exec ip netns exec "$ns" "$@" ;;
  env) node_env "$@" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
