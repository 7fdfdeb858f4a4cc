#!/usr/bin/env bash
# Called by `make run` as: run.sh PACK ADDR DATA
# Pulls the real model pack PACK from Hugging Face (instant when it is already pulled) and
# serves it. Where the Hub is unreachable it falls back, LOUDLY, to the generated test pack
# models/test-minilm, whose random weights make every search result meaningless.
# INSTRUCTD_PULL_TIMEOUT (seconds, default 20) bounds the pull; a pull cut short resumes on
# the next run, so raise it for a first download on a slow link.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=${1:-BAAI/bge-small-en-v1.5}
ADDR=${2:-127.0.0.1:8080}
DATA=${3:-$PWD/data}
BIN=bin/instructd
FALLBACK=$PWD/models/test-minilm

if dir=$(timeout "${INSTRUCTD_PULL_TIMEOUT:-20}" "$BIN" model pull --quiet "$PACK"); then
  echo "run: serving $PACK from $dir" >&2
  exec "$BIN" serve --addr "$ADDR" --data "$DATA" --model "$dir"
fi

cat >&2 <<WARN

############################################################################################
#  WARNING: could not pull $PACK from Hugging Face (offline, blocked or too slow).
#  FALLING BACK TO THE GENERATED TEST PACK $FALLBACK
#  ITS WEIGHTS ARE RANDOM: EMBEDDINGS AND SEARCH RESULTS CARRY NO MEANING.
#  Fix: '$BIN model pull $PACK' where the Hub is reachable
#  (or set HF_ENDPOINT to a mirror), or '$BIN model import DIR' for a local export,
#  then 'make run' again.
############################################################################################

WARN
if [ ! -s "$FALLBACK/model.onnx" ]; then
  echo "run: $FALLBACK is missing too; run 'make setup'" >&2
  exit 1
fi
exec "$BIN" serve --addr "$ADDR" --data "$DATA" --model "$FALLBACK"
