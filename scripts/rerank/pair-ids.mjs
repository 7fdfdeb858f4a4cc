// Reads {tokenizer, max_length, pairs: [[first, second], ...]} as JSON on stdin and prints the
// token ids and type ids of every pair (the tokenizer's pair template, special tokens added,
// LongestFirst truncation to max_length) from Hugging Face's Rust tokenizer (npm tokenizers).
// Used by make-reranker-pack.py xlmr for its reference ids.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../node_modules/', import.meta.url));
const { Tokenizer } = require('tokenizers');

const req = JSON.parse(readFileSync(0, 'utf8'));
const tok = Tokenizer.fromFile(req.tokenizer);
tok.setTruncation(req.max_length);
const out = [];
for (const [first, second] of req.pairs) {
  const enc = await tok.encode(first, second);
  out.push({ ids: enc.getIds(), type_ids: enc.getTypeIds() });
}
process.stdout.write(JSON.stringify(out));
