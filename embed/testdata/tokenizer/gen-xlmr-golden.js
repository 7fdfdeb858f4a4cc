#!/usr/bin/env node
// Step 2 of regenerating xlmr-golden.json.gz (step 1, gen-xlmr-texts.py, writes the texts
// and SentencePiece's ids): encodes every text with Hugging Face's Rust tokenizer (npm
// tokenizers@0.23.2 in scripts/node_modules) under xlmr-unigram.json and a few variants
// of its Metaspace and Unigram settings, and writes ids, type ids, UTF-8 byte offsets
// and special-token positions next to the texts:
//
//   node embed/testdata/tokenizer/gen-xlmr-golden.js /tmp/xlmr-texts.json
//
// xlmr-golden.json.gz holds the texts, SentencePiece's ids where they differ from Hugging
// Face's, and xlmr-unigram.json's encodings (every text, every 3rd without special
// tokens, every pair); xlmr-golden-variants.json.gz holds the variants, which encode every
// 4th text with special tokens.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { Tokenizer } = require(path.resolve(__dirname, '..', '..', '..', 'scripts', 'node_modules', 'tokenizers'));

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const base = JSON.parse(fs.readFileSync(path.join(__dirname, 'xlmr-unigram.json'), 'utf8'));

// variants: a pre_tokenizer to put in place of the Metaspace, or byte pieces to add.
const variants = [
  { name: 'xlmr' },
  { name: 'first', pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true } },
  { name: 'never', pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: true } },
  { name: 'nosplit', pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false } },
  { name: 'legacy', pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true } },
  { name: 'legacy-noprefix', pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', add_prefix_space: false, prepend_scheme: 'never', split: true } },
  { name: 'bytefallback', byte_pieces: true },
];

// variantDoc applies a variant to the base tokenizer.json (the Go test does the same).
function variantDoc(v) {
  const doc = JSON.parse(JSON.stringify(base));
  if (v.pre_tokenizer) doc.pre_tokenizer = v.pre_tokenizer;
  if (v.byte_pieces) {
    for (let b = 0; b < 256; b++) {
      doc.model.vocab.push(['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>', -30.0]);
    }
    doc.model.byte_fallback = true;
  }
  return doc;
}

// byteOffsets maps code point offsets to UTF-8 byte offsets of text.
function byteOffsets(text) {
  const pos = [0];
  let b = 0;
  for (const ch of text) {
    b += Buffer.byteLength(ch, 'utf8');
    pos.push(b);
  }
  return pos;
}

function record(enc, a, b) {
  const ids = enc.getIds();
  const types = enc.getTypeIds();
  const offs = enc.getOffsets();
  const seq = enc.getSequenceIds();
  const special = enc.getSpecialTokensMask();
  const pa = byteOffsets(a);
  const pb = b === undefined ? null : byteOffsets(b);
  const o = [];
  for (let i = 0; i < ids.length; i++) {
    const p = seq[i] === 1 ? pb : pa;
    o.push(p[offs[i][0]], p[offs[i][1]]);
  }
  const c = { i: ids, o, s: special.flatMap((s, i) => (s ? [i] : [])) };
  if (types.some((t) => t !== 0)) c.y = types;
  return c;
}

(async () => {
  const main = { texts: input.texts, pairs: input.pairs, plain_every: 3, spm: [], variants: [] };
  const others = { variants: [] };
  for (const v of variants) {
    const tok = Tokenizer.fromString(JSON.stringify(variantDoc(v)));
    const isMain = v.name === 'xlmr';
    const rec = { name: v.name, every: isMain ? 1 : 4, single: [], plain: [], pairs: [] };
    if (v.pre_tokenizer) rec.pre_tokenizer = v.pre_tokenizer;
    if (v.byte_pieces) rec.byte_pieces = true;
    for (let i = 0; i < input.texts.length; i += rec.every) {
      const t = input.texts[i];
      const single = record(await tok.encode(t), t);
      rec.single.push(single);
      if (!isMain) continue;
      if (i % main.plain_every === 0) rec.plain.push(record(await tok.encode(t, null, { addSpecialTokens: false }), t));
      // SentencePiece's ids are stored only where they differ from Hugging Face's
      // (single without <s> and </s>); null means equal.
      const hf = single.i.slice(1, -1);
      main.spm.push(JSON.stringify(hf) === JSON.stringify(input.spm[i]) ? null : input.spm[i]);
    }
    if (isMain) {
      for (const [a, b] of input.pairs) rec.pairs.push(record(await tok.encode(a, b), a, b));
      main.variants.push(rec);
    } else {
      others.variants.push(rec);
    }
  }
  for (const [name, doc] of [['xlmr-golden.json.gz', main], ['xlmr-golden-variants.json.gz', others]]) {
    const gz = zlib.gzipSync(JSON.stringify(doc), { level: 9 });
    fs.writeFileSync(path.join(__dirname, name), gz);
    console.error(`wrote ${name} (${gz.length} bytes)`);
  }
})();
