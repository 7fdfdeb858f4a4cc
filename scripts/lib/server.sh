# Sourced by the scripts that run a throwaway instructd server (bench-eval, bench-serve,
# check-api-docs). The caller defines log(). Provides:
#   WORK          a temporary directory, removed on exit together with the server
#   start_server BIN PORT PACK [serve flags...]
#                 starts BIN serve on 127.0.0.1:PORT with data in $WORK/data and the log in
#                 $WORK/serve.log, sets SERVER_PID, and waits up to 60 s for /readyz
WORK=$(mktemp -d "/tmp/instructd-$(basename "$0" .sh).XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  local bin=$1 port=$2 pack=$3
  shift 3
  "$bin" serve --addr "127.0.0.1:$port" --data "$WORK/data" --model "$pack" "$@" >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; log "the server exited"; exit 1; }
    sleep 0.1
  done
  cat "$WORK/serve.log" >&2
  log "the server never became ready"
  exit 1
}
