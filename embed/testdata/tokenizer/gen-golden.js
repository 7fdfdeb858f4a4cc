#!/usr/bin/env node
// Regenerates golden.json.gz: token ids and byte offsets from Hugging Face's own Rust
// tokenizer (the `tokenizers` npm package, a native binding of the Rust crate) for a
// fixed set of texts and tokenizer.json variants. The Go tests compare the pure-Go
// tokenizer against it. Not needed to build or test; run it only to refresh the file:
//
//   mkdir -p /tmp/hfref && (cd /tmp/hfref && npm install tokenizers@0.23.2)
//   NODE_PATH=/tmp/hfref/node_modules node embed/testdata/tokenizer/gen-golden.js
//
// Texts: hand-written edge cases, a deterministic sample of the generated WordNet corpus
// (testdata/generated/wordnet.jsonl, from `make setup`), and seeded random strings drawn
// from many Unicode classes. Offsets are converted from code points to UTF-8 bytes.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { Tokenizer } = require('tokenizers');

const here = __dirname;
const root = path.resolve(here, '..', '..', '..');

const handwritten = [
  'brown fox jumps over the lazy dog',
  '',
  ' ',
  '   \t\n  ',
  '\u00a0\u3000\u2028',
  'Hello, World!',
  'Hello,World!How are you?',
  "don't stop-believing... (it's 3.14$)",
  'a+b=c; x<y>z ^_^ `code` |pipe| ~tilde~ {braces} [brackets] @home #tag %50 &amp *star \\back',
  'Café crème brûlée, naïve façade, jalapeño, Ångström, Zoë',
  'CAFÉ ÀÉÎÕÜ ÇØÆŒß ẞ',
  'İstanbul ıi İİ IJ ǅ ǈ ǋ',
  'ΣΑΣ σας ΟΔΥΣΣΕΥΣ',
  'Москва — столица России.',
  'Ελληνικά: Καλημέρα!',
  'עברית שלום',
  'العربية مرحبا',
  'हिन्दी नमस्ते',
  'ภาษาไทย สวัสดี',
  '中文分词测试',
  '我爱北京天安门。',
  '日本語のテキスト、ひらがなとカタカナ。',
  '한국어 텍스트 안녕하세요',
  '混合mixed中文text和English',
  '兀 爐 﨎 﨏 𠀀 𪜀 𫝀 𫠠 𬺰 丽',
  'emoji 😀 🥰 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷',
  'control\u0000chars\u0001here\u0007\u001b[0m\u007f\u0085end',
  'zero\u200bwidth\u200cjoiner\u200dmark\u200e\u200f\u2060\ufeffbom',
  'soft\u00adhyphen',
  'private \ue000\uf8ff use',
  'tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeed',
  'replacement \ufffd char',
  'supercalifragilisticexpialidocious antidisestablishmentarianism',
  'a'.repeat(100),
  'a'.repeat(101),
  'x' + 'é'.repeat(99),
  'x' + 'é'.repeat(100),
  'unaffable unbelievably tokenization',
  '[CLS] [SEP] [MASK] [UNK] [PAD]',
  '[CLS]fox[SEP]',
  'text with [SEP] in the middle and [sep] lowercase and [SEP[SEP]] nested',
  '[MASK][MASK][SEP]',
  'Ω ohm \u2126 Å angstrom \u212b greek question \u037e varia \u1fef',
  'decomposed e\u0301 a\u0300 o\u0308 n\u0303 stacked a\u0323\u0301',
  '\u0340\u0341\u0343 lone combining \u0301 at start',
  'ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３',
  '¹²³ ½ ¼ ™ © ® ° µ',
  '€100 £50 ¥20 ±5 ×2 ÷3 ∑∫√∞ ≤≥≠',
  '«guillemets» ‹single› „low“ ‘quotes’ “double” — – ‐ … ‰ ′ ″ ※ · • ¡¿',
  '「括弧」『二重』【墨付き】〈角〉《二重角》',
  '١٢٣ ٤٥٦ ۷۸۹',
  'https://example.com/path?query=1&x=y#frag',
  'user@example.com +1 (555) 123-4567',
  'C++ C# F# .NET node.js',
  '1,000,000.50 3.14159 2e-10 0x1F',
  'The U.S.A. and e.g. i.e. etc.',
  'unassigned \u0378\u0379 \ufffe \u{10ffff} \u{e0080} end',
  'tags \u{e0041}\u{e0042} variation \ufe0f\ufe0e',
  'dives akuru \u{11938} grantha \u{1134b}',
  'hangul jamo \u1100\u1161\u11a8 and compat \u3131\u314f',
  'Mixed CASE WiTh NuMbErS123 and_under_scores',
];

// Deterministic PRNG (mulberry32).
function rng(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const classes = [
  [10, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'],
  [6, ' '],
  [3, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  [1, '\t\n\r\u000b\u000c\u0000\u0001\u001f\u007f\u0085\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000'],
  [1, '\u00ad\u200b\u200c\u200d\u200e\u2060\ufeff\u061c\u180e\u{110bd}\u{1d173}'],
  [2, [0x00c0, 0x024f]],
  [2, [0x0300, 0x036f]],
  [1, [0x0370, 0x03ff]],
  [1, [0x0400, 0x04ff]],
  [1, [0x0590, 0x06ff]],
  [1, [0x0900, 0x097f]],
  [1, [0x0e00, 0x0e7f]],
  [1, [0x1e00, 0x1fff]],
  [1, [0x2000, 0x206f]],
  [1, [0x2100, 0x22ff]],
  [1, [0x3000, 0x30ff]],
  [2, [0x4e00, 0x9fff]],
  [1, [0xf900, 0xfaff]],
  [1, [0xac00, 0xd7a3]],
  [1, [0xe000, 0xf8ff]],
  [1, [0xff00, 0xffef]],
  [1, [0x1f300, 0x1faff]],
  [1, [0x20000, 0x2a6df]],
  [1, [0x2b800, 0x2b930]],
  [1, [0x2f800, 0x2fa1f]],
  [1, [0x10000, 0x10ffff]],
  [1, ['[CLS]', '[SEP]', '[MASK]', '[UNK]', '[PAD]', '[sep]', '##', 'un', '##aff']],
];
const totalWeight = classes.reduce((s, c) => s + c[0], 0);

function randomText(r) {
  const n = 1 + Math.floor(r() * 40);
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

function wordnetSample(every, limit) {
  const file = path.join(root, 'testdata', 'generated', 'wordnet.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const out = [];
  for (let i = 0; i < lines.length && out.length < limit; i += every) {
    const d = JSON.parse(lines[i]);
    out.push((d.title ? d.title + ': ' : '') + d.text);
  }
  return out;
}

function byteOffsets(text, offs) {
  const cps = Array.from(text);
  const pos = [0];
  for (const c of cps) pos.push(pos[pos.length - 1] + Buffer.byteLength(c, 'utf8'));
  return offs.map(([s, e]) => [pos[s], pos[e]]);
}

async function run(variant, texts) {
  const base = JSON.parse(fs.readFileSync(path.join(here, variant.file), 'utf8'));
  if (variant.normalizer) Object.assign(base.normalizer, variant.normalizer);
  if (variant.truncation !== undefined) base.truncation = variant.truncation;
  base.padding = null;
  const tk = Tokenizer.fromString(JSON.stringify(base));
  if (variant.max_length) tk.setTruncation(variant.max_length);
  const cases = [];
  for (const text of texts) {
    const e = await tk.encode(text, null, { addSpecialTokens: true });
    cases.push({
      text,
      ids: e.getIds(),
      offsets: byteOffsets(text, e.getOffsets()),
      special: e.getSpecialTokensMask(),
    });
  }
  return { name: variant.name, file: variant.file, normalizer: variant.normalizer || null,
    truncation: variant.truncation === undefined ? 'keep' : variant.truncation,
    max_length: variant.max_length || 0, cases };
}

(async () => {
  const r = rng(20261127);
  const random = [];
  for (let i = 0; i < 400; i++) random.push(randomText(r));
  const wn = wordnetSample(97, 700);
  const edge = handwritten.concat(random);
  const variants = [
    [{ name: 'bert-base-uncased', file: 'bert-base-uncased.json', max_length: 128 }, edge.concat(wn)],
    [{ name: 'all-minilm-l6-v2', file: 'all-minilm-l6-v2.json' }, handwritten.concat(wn.slice(0, 100))],
    [{ name: 'cased', file: 'bert-base-uncased.json', max_length: 128, normalizer: { lowercase: false, strip_accents: null } }, edge],
    [{ name: 'lower-keep-accents', file: 'bert-base-uncased.json', max_length: 128, normalizer: { lowercase: true, strip_accents: false } }, edge],
    [{ name: 'cased-strip-accents', file: 'bert-base-uncased.json', max_length: 128, normalizer: { lowercase: false, strip_accents: true } }, edge],
    [{ name: 'no-clean-no-chinese', file: 'bert-base-uncased.json', max_length: 128, normalizer: { clean_text: false, handle_chinese_chars: false } }, edge],
    [{ name: 'left-16', file: 'bert-base-uncased.json', truncation: { direction: 'Left', max_length: 16, strategy: 'LongestFirst', stride: 0 } }, handwritten.concat(wn.slice(0, 100))],
  ];
  const out = [];
  for (const [v, texts] of variants) out.push(await run(v, texts));
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(out)), { level: 9 });
  fs.writeFileSync(path.join(here, 'golden.json.gz'), gz);
  console.log(`wrote golden.json.gz: ${out.map((v) => `${v.name}=${v.cases.length}`).join(' ')} (${gz.length} bytes)`);
})();
