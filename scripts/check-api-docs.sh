#!/usr/bin/env bash
# check-api-docs: runs every ```sh example of docs/api.md and README.md, in order, against a fresh server
# (test-minilm pack plus the test-reranker pack, temporary data directory) and checks each curl's status code: 2xx,
# or the code named by a "# expect NNN" line in the example. The examples are written for
# `make run` on localhost:8080; here they run on PORT (default 18092), rewritten in place.
#
# Usage: scripts/check-api-docs.sh [FILE.md ...]   (default: docs/api.md README.md;
#        env: PORT=18092 PACK=models/test-minilm RERANK_PACK=models/test-reranker)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${PORT:-18092}
PACK=${PACK:-models/test-minilm}
RERANK_PACK=${RERANK_PACK:-models/test-reranker}
export CGO_ENABLED=1
export INSTRUCTD_ORT_LIB=${INSTRUCTD_ORT_LIB:-$ROOT/.deps/onnxruntime/libonnxruntime.so.1}
log() { printf 'check-api-docs: %s\n' "$*" >&2; }

source scripts/lib/server.sh

go build -o "$WORK/instructd" ./cmd/instructd
start_server "$WORK/instructd" "$PORT" "$PACK" --model "$RERANK_PACK"

# Split the ```sh blocks of the documents into numbered files, in order.
[ $# -gt 0 ] || set -- docs/api.md README.md
/usr/bin/python3 - "$WORK" "$@" <<'PY'
import re, sys
work, docs = sys.argv[1], sys.argv[2:]
i = 0
for doc in docs:
    for block in re.findall(r"```sh\n(.*?)```", open(doc).read(), re.S):
        open(f"{work}/example-{i:03d}.sh", "w").write(block)
        i += 1
PY

cd "$WORK"
fails=0; n=0
for ex in example-*.sh; do
  n=$((n + 1))
  cmd=$(sed "s#localhost:8080#127.0.0.1:$PORT#g" "$ex")
  expect=$(sed -n 's/^# expect \([0-9][0-9][0-9]\)$/\1/p' "$ex")
  if ! grep -q '^curl' <<<"$cmd"; then          # a set-up step (writes a file)
    bash -euo pipefail -c "$cmd" || { log "FAIL $ex: set-up step failed"; fails=$((fails + 1)); }
    continue
  fi
  # Run the curl with -sS and have it print the status code last.
  status=$(bash -euo pipefail -c "${cmd/curl /curl -sS -o $WORK/body -w %\{http_code\} }") || true
  ok=false
  if [ -n "$expect" ]; then [ "$status" = "$expect" ] && ok=true; else [[ $status == 2?? ]] && ok=true; fi
  if $ok; then
    log "ok   $ex: $status $(head -c 100 "$WORK/body" 2>/dev/null | tr '\n' ' ')"
  else
    log "FAIL $ex: status $status, want ${expect:-2xx}"
    log "     $(head -c 400 "$WORK/body" 2>/dev/null)"
    log "     command: $cmd"
    fails=$((fails + 1))
  fi
  rm -f "$WORK/body"
done
if [ "$fails" -gt 0 ]; then log "$fails of $n examples failed"; exit 1; fi
log "all $n examples work"
