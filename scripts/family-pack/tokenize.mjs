// Reads {tokenizer, max_length, texts} as JSON on stdin and prints the token ids of every
// text (special tokens added, truncated to max_length) from Hugging Face's Rust tokenizer
// (npm tokenizers). Used by make-family-pack.py for its reference ids.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../node_modules/', import.meta.url));
const { Tokenizer } = require('tokenizers');

const req = JSON.parse(readFileSync(0, 'utf8'));
const tok = Tokenizer.fromFile(req.tokenizer);
tok.setTruncation(req.max_length);
const out = [];
for (const text of req.texts) {
  const enc = await tok.encode(text);
  out.push(enc.getIds());
}
process.stdout.write(JSON.stringify(out));
