#!/usr/bin/env python3
"""Step 1 of regenerating xlmr-golden.json.gz (step 2 is gen-xlmr-golden.js).

Writes the texts and pairs the XLM-R Unigram goldens encode, plus SentencePiece's own
ids for every text (the .model that scripts/make-xlmr-unigram.py trained, mapped to
fairseq ids: <unk> 0->3, <s> 1->0, </s> 2->2, piece i->i+1), to the JSON file named by
the first argument:

  /usr/bin/python3 scripts/make-xlmr-unigram.py        # models/test-xlmr/xlmr-unigram.model
  /usr/bin/python3 embed/testdata/tokenizer/gen-xlmr-texts.py /tmp/xlmr-texts.json
  node embed/testdata/tokenizer/gen-xlmr-golden.js /tmp/xlmr-texts.json

Texts: hand-written edge cases, WordNet glosses and titles, instruction-templated
queries, multilingual sentences (scripts/lib/multilingual.txt) cut and mixed, and seeded
random strings over many Unicode classes. Needs python3-sentencepiece.
"""
import json
import os
import random
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

HANDWRITTEN = [
    "", " ", "  ", "   \t\n  ", "a", " a", "a ", "  a  b   c    d  ",
    "Hello, World!", "Hello,World!How are you?", "don't stop-believing... (it's 3.14$)",
    "multiple    spaces     between\t\ttabs\n\nnewlines\r\nwindows",
    "\u00a0\u3000\u2028\u2029\u2009\u200a\u202f\u205f nbsp and ideographic space",
    "Café crème brûlée, naïve façade, jalapeño, Ångström, Zoë",
    "decomposed e\u0301 a\u0300 o\u0308 n\u0303 stacked a\u0323\u0301 q\u0307\u0323",
    "\u0301 lone combining at start \u0301\u0302\u0303",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ！？ ｶﾀｶﾅ ｶﾞ ﾊﾟ",
    "¹²³ ½ ¼ ™ © ® ° µ ℃ ℉ № ㎏ ㎡ ㍿ ﬁ ﬂ ﬀ ﬃ Ⅻ ⅻ ① ⑳ ㊿",
    "Ω ohm \u2126 Å angstrom \u212b greek question \u037e varia \u1fef",
    "control\u0000chars\u0001here\u0007\u001b[0m\u007f\u0085end",
    "\u0000leading nul", "\u0001\u0002\u0003 leading controls", "trailing controls\u0001\u0002",
    "zero\u200bwidth\u200cjoiner\u200dmark\u200e\u200f\u2060\ufeffbom",
    "\u200b\u200bstarts with zero width", "\ufeffbom at start",
    "soft\u00adhyphen", "private \ue000\uf8ff use", "replacement \ufffd char",
    "tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeed",
    "emoji 😀 🥰 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷 🏳️‍🌈 👩🏾‍💻 ✊🏿 #️⃣ 1️⃣ *️⃣",
    "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦👨‍👨‍👦", "🇯🇵🇰🇷🇨🇳🇺🇸",
    "\u0600\u0661 arabic number sign prepend \u0605a \u06dd1",
    "thai sara am \u0e01\u0e33 lao \u0e81\u0eb3 a\u0e33",
    "keycap 1\u20e3 #\u20e3 a\u20dd enclosing",
    "hangul jamo \u1100\u1161\u11a8 and compat \u3131\u314f 한국어",
    "हिन्दी नमस्ते क्षत्रिय ज्ञान श्री", "ภาษาไทย สวัสดีครับ", "العربية مرحبا بالعالم",
    "עברית שלום עולם", "中文分词测试，我爱北京天安门。", "日本語のテキスト、ひらがなとカタカナ。",
    "混合mixed中文text和English", "兀 爐 﨎 﨏 𠀀 𪜀 𫝀 𫠠 𬺰 丽",
    "«guillemets» ‹single› „low“ ‘quotes’ “double” — – ‐ … ‰ ′ ″ ※ · • ¡¿",
    "「括弧」『二重』【墨付き】〈角〉《二重角》", "١٢٣ ٤٥٦ ۷۸۹",
    "https://example.com/path?query=1&x=y#frag user@example.com",
    "C++ C# F# .NET node.js 1,000,000.50 3.14159 2e-10 0x1F",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 300, "ab" * 200, "x" + "é" * 150, "😀" * 60, "中" * 200, " " * 100,
    "word " * 80,
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", "<s> inside </s> text",
    "fill the <mask> here", "fill the<mask>here", "two  <mask>  masks <mask>",
    "<mask><mask></s><s>", "<unk> token literal", "a<pad>b", "< s > <S> <MASK>",
    "▁ already has metaspace ▁▁ chars▁inside", "▁", "▁▁▁",
    "query: what is the capital of france?", "passage: Paris is the capital of France.",
    "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: how much protein should a female eat",
    "Represent this sentence for searching relevant passages: what is a dog",
    "unassigned \u0378\u0379 \ufffe \U0010ffff \U000e0080 end",
    "tags \U000e0041\U000e0042 variation \ufe0f\ufe0e",
    "Mixed CASE WiTh NuMbErS123 and_under_scores",
    "İstanbul ıi İİ Ĳ ǅ ǈ ǋ ΣΑΣ σας ΟΔΥΣΣΕΥΣ ß ẞ",
]

CLASSES = [
    (10, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    (6, " "),
    (3, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    (1, "\t\n\r\u000b\u000c\u0000\u0001\u001f\u007f\u0085\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"),
    (1, "\u00ad\u200b\u200c\u200d\u200e\u2060\ufeff\u061c\u180e\U000110bd\U0001d173\u0600\u0e33\u20e3\ufe0f"),
    (2, (0x00C0, 0x024F)), (2, (0x0300, 0x036F)), (1, (0x0370, 0x03FF)), (1, (0x0400, 0x04FF)),
    (1, (0x0590, 0x06FF)), (1, (0x0900, 0x097F)), (1, (0x0E00, 0x0E7F)), (1, (0x1E00, 0x1FFF)),
    (1, (0x2000, 0x206F)), (1, (0x2100, 0x22FF)), (1, (0x2460, 0x24FF)), (1, (0x3000, 0x30FF)),
    (1, (0x3200, 0x33FF)), (2, (0x4E00, 0x9FFF)), (1, (0xF900, 0xFAFF)), (1, (0xFB00, 0xFB4F)),
    (1, (0xAC00, 0xD7A3)), (1, (0xE000, 0xF8FF)), (1, (0xFE30, 0xFE4F)), (2, (0xFF00, 0xFFEF)),
    (1, (0x1D400, 0x1D7FF)), (1, (0x1F300, 0x1FAFF)), (1, (0x1F3FB, 0x1F3FF)), (1, (0x20000, 0x2A6DF)),
    (1, (0x2F800, 0x2FA1F)), (1, (0x10000, 0x10FFFF)),
    (1, ["<s>", "</s>", "<mask>", "<pad>", "<unk>", "▁", "  ", "\u200d"]),
]


def random_text(r, ml_words):
    total = sum(w for w, _ in CLASSES) + 6
    out = []
    for _ in range(1 + r.randrange(40)):
        x = r.random() * total
        if x < 6:
            out.append(r.choice(ml_words))
            continue
        x -= 6
        spec = CLASSES[-1][1]
        for w, s in CLASSES:
            if x < w:
                spec = s
                break
            x -= w
        for _ in range(1 + r.randrange(6)):
            if isinstance(spec, str):
                out.append(r.choice(spec))
            elif isinstance(spec, list):
                out.append(r.choice(spec))
            else:
                while True:
                    c = r.randint(spec[0], spec[1])
                    if not 0xD800 <= c <= 0xDFFF:
                        break
                out.append(chr(c))
    return "".join(out)


def main():
    out_path = sys.argv[1]
    model = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "models", "test-xlmr", "xlmr-unigram.model")
    r = random.Random(20261207)
    with open(os.path.join(ROOT, "testdata", "generated", "wordnet.jsonl"), encoding="utf-8") as f:
        recs = [json.loads(l) for l in f]
    with open(os.path.join(ROOT, "scripts", "lib", "multilingual.txt"), encoding="utf-8") as f:
        ml = [l.strip() for l in f if l.strip()]
    ml_words = [w for l in ml for w in l.split()]

    texts = list(HANDWRITTEN)
    sample = r.sample(recs, 1400)
    for rec in sample[:1000]:
        texts.append(rec["text"])
    for rec in sample[1000:1200]:
        texts.append(rec["title"])
    instructs = [
        "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: {}",
        "query: {}", "passage: {}",
        "Represent this sentence for searching relevant passages: {}",
        "Instruct: Retrieve semantically similar text.\nQuery: {}",
    ]
    for i, rec in enumerate(sample[1200:1400]):
        texts.append(instructs[i % len(instructs)].format(rec["title"] if i % 2 else rec["text"]))
    for line in ml:
        texts.append(line)
        words = line.split()
        for _ in range(6):
            a = r.randrange(len(words))
            b = min(len(words), a + 1 + r.randrange(6))
            texts.append(" ".join(words[a:b]))
        cut = r.randrange(1, max(2, len(line) - 1))
        texts.append(line[:cut])
        texts.append("query: " + line[cut:])
    for _ in range(200):
        texts.append(" ".join(r.choice(ml_words) for _ in range(1 + r.randrange(8))))
    while len(texts) < 3300:
        texts.append(random_text(r, ml_words))

    pairs = []
    for i in range(320):
        rec = sample[r.randrange(len(sample))]
        q = rec["title"].split(",")[0]
        kind = i % 4
        if kind == 0:
            pairs.append(["query: " + q, "passage: " + rec["text"]])
        elif kind == 1:
            pairs.append([q, rec["text"]])
        elif kind == 2:
            pairs.append([r.choice(ml), r.choice(texts)])
        else:
            pairs.append([r.choice(texts), r.choice(texts)])
    pairs.append(["", ""])
    pairs.append(["a", ""])
    pairs.append(["", "b <mask>"])

    sp = spm.SentencePieceProcessor(model_file=model)

    def fairseq(i):
        if i == sp.unk_id():
            return 3
        if i == sp.bos_id():
            return 0
        if i == sp.eos_id():
            return 2
        return i + 1

    spm_ids = [[fairseq(i) for i in sp.encode(t)] for t in texts]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"texts": texts, "pairs": pairs, "spm": spm_ids}, f, ensure_ascii=False)
    print(f"{len(texts)} texts, {len(pairs)} pairs -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
