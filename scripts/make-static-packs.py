#!/usr/bin/env python3
"""Generate small static embedding packs (random tables) and their parity references.

Usage: make-static-packs.py OUT_ROOT MINILM_TOKENIZER QWEN3_TOKENIZER NODE_MODULES

Each pack lands in OUT_ROOT/test-static-<name>/ with the file layout its library
publishes (Model2Vec: model.safetensors "embeddings" + config.json + tokenizer.json;
sentence-transformers: 0_StaticEmbedding/{model.safetensors "embedding.weight",
tokenizer.json} + modules.json), an instructd.json, and reference.json.gz: per text,
the token ids Hugging Face's Rust tokenizer (npm `tokenizers`) gives and the vector the
library's pooling gives, computed here with numpy in float64 from the stored table.

The pooling below is a reading of the libraries' source, not a copy:
  Model2Vec StaticModel.encode (max_length=512 by default): cut each text to
    max_length * median token length characters, encode without special tokens, drop
    the unk id, keep the first max_length ids, mean (zeros when none), and if the
    config says normalize, divide by (norm + 1e-32).
  sentence-transformers StaticEmbedding: encode without special tokens, EmbeddingBag
    mean (zeros when none); a Normalize module divides by max(norm, 1e-12).
    StaticEmbedding has no length limit; instructd keeps the first max_tokens ids,
    which the reference does too (the long text below exercises it).
safetensors files are written by hand: 8-byte little-endian header length, JSON
header, raw little-endian data.
"""
import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np

TEXTS = [
    "",
    "   ",
    "hello",
    "The quick brown fox jumps over the lazy dog.",
    "[CLS] special tokens [SEP] in the text [PAD] [MASK]",
    "<|endoftext|> qwen's special <|im_start|>user",
    "Café naïve résumé — ünïcödé; 東京 and 北京 😀🚀",
    "😀😀😀",
    "a",
    "tab\tand\nnewline  spaces",
    "short",
    "a much longer gloss: any of various large cats, found in the forests of Asia, having a tawny coat with black stripes",
    # Long enough to hit every cap: Model2Vec's character cut and id cap, StaticEmbedding's max_tokens.
    " ".join(["antidisestablishmentarianism", "extraordinary", "unbelievable", "x"] * 60),
]

NODE_TOKENIZE = r"""
const { Tokenizer } = require(process.argv[1] + '/tokenizers');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const tk = Tokenizer.fromFile(input.tokenizer);
(async () => {
  const out = [];
  for (const t of input.texts) {
    const e = await tk.encode(t, null, { addSpecialTokens: false });
    out.push(Array.from(e.getIds()));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, numpy array already in that dtype)."""
    header, blobs, off = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    hdr = json.dumps(header, separators=(",", ":")).encode()
    hdr += b" " * ((8 - len(hdr) % 8) % 8)  # the reference writer pads to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hdr)))
        f.write(hdr)
        for b in blobs:
            f.write(b)


def vocab_of(tok):
    """Hugging Face's Tokenizer.get_vocab(): model vocab plus added tokens, token -> id."""
    v = tok["model"]["vocab"]
    if isinstance(v, list):  # Unigram
        vocab = {p[0]: i for i, p in enumerate(v)}
    else:
        vocab = dict(v)
    for a in tok.get("added_tokens") or []:
        vocab[a["content"]] = a["id"]
    return vocab


def tokenize(node_modules, tokenizer_path, texts):
    inp = json.dumps({"tokenizer": os.path.abspath(tokenizer_path), "texts": texts})
    out = subprocess.run(["node", "-e", NODE_TOKENIZE, node_modules], input=inp.encode(),
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def make_table(rng, rows, dim, dtype):
    """Returns (safetensors tensors, float64 table as served)."""
    base = rng.standard_normal((rows, dim)).astype(np.float32) * 0.3
    if dtype == "F32":
        return {"t": ("F32", base)}, base.astype(np.float64)
    if dtype == "F16":
        h = base.astype(np.float16)
        return {"t": ("F16", h)}, h.astype(np.float32).astype(np.float64)
    if dtype == "I8":
        scale = np.float32(np.max(np.abs(base)) / 127.0)
        q = np.round(base / scale).astype(np.int8)
        served = (q.astype(np.float32) * scale).astype(np.float64)  # instructd multiplies in float32
        return {"t": ("I8", q), "scale": ("F32", np.array([scale], dtype=np.float32))}, served
    raise ValueError(dtype)


def make_pack(root, node_modules, name, layout, tokenizer_src, dim, dtype, normalize, max_tokens, seed):
    d = os.path.join(root, "test-static-" + name)
    os.makedirs(d, exist_ok=True)
    with open(tokenizer_src, encoding="utf-8") as f:
        tok = json.load(f)
    # Saved static models carry no truncation or padding (Model2Vec strips them; a
    # sentence-transformers StaticEmbedding turns padding off).
    tok["truncation"] = None
    tok["padding"] = None
    vocab = vocab_of(tok)
    rows = max(vocab.values()) + 1
    rng = np.random.default_rng(seed)
    tensors, table = make_table(rng, rows, dim, dtype)
    tensor_name = "embeddings" if layout == "model2vec" else "embedding.weight"
    tensors = {(tensor_name if k == "t" else k): v for k, v in tensors.items()}

    if layout == "model2vec":
        tok_path, table_path = "tokenizer.json", "model.safetensors"
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump({"model_type": "model2vec", "architectures": ["StaticModel"], "hidden_dim": dim,
                       "normalize": normalize, "embedding_dtype": {"F32": "float32", "F16": "float16", "I8": "int8"}[dtype]}, f)
    else:
        os.makedirs(os.path.join(d, "0_StaticEmbedding"), exist_ok=True)
        tok_path, table_path = "0_StaticEmbedding/tokenizer.json", "0_StaticEmbedding/model.safetensors"
        modules = [{"idx": 0, "name": "0", "path": "0_StaticEmbedding", "type": "sentence_transformers.models.StaticEmbedding"}]
        if normalize:
            modules.append({"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"})
        with open(os.path.join(d, "modules.json"), "w") as f:
            json.dump(modules, f)
    with open(os.path.join(d, tok_path), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    write_safetensors(os.path.join(d, table_path), tensors)

    manifest = {
        "name": "test/static-" + name, "description": "random static table for parity tests",
        "semantic": False, "dimension": dim, "max_tokens": max_tokens, "pooling": "mean",
        "normalize": normalize, "output_name": "", "query_template": "{query}",
        "document_template": "{document}", "runtime": "static", "static": {"layout": layout},
    }
    with open(os.path.join(d, "instructd.json"), "w") as f:
        json.dump(manifest, f, indent=2)

    texts = list(TEXTS)
    unk_id = None
    if layout == "model2vec":
        median = int(np.median([len(t) for t in vocab]))
        cut = [t[: max_tokens * median] for t in texts]
        unk = tok["model"].get("unk_token")
        unk_id = vocab[unk] if unk is not None else None
    else:
        median, cut = 0, texts
    ids_all = tokenize(node_modules, os.path.join(d, tok_path), cut)
    cases = []
    for text, ids in zip(texts, ids_all):
        raw = list(ids)
        if unk_id is not None:
            ids = [i for i in ids if i != unk_id]
        ids = ids[:max_tokens]
        if ids:
            v = table[ids].mean(axis=0)
        else:
            v = np.zeros(dim)
        if normalize:
            n = np.linalg.norm(v)
            v = v / (n + 1e-32) if layout == "model2vec" else v / max(n, 1e-12)
        cases.append({"text": text, "raw_ids": raw, "ids": ids, "vector": [float(x) for x in v]})
    ref = {"pack": manifest["name"], "layout": layout, "dtype": dtype, "median_token_length": median,
           "unk_id": unk_id, "cases": cases}
    with gzip.open(os.path.join(d, "reference.json.gz"), "wt", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)
    print(f"{d}: {rows}x{dim} {dtype} {layout} normalize={normalize}")


def main():
    root, minilm, qwen3, node_modules = sys.argv[1:5]
    make_pack(root, node_modules, "m2v-f32", "model2vec", minilm, 24, "F32", True, 32, 1)
    make_pack(root, node_modules, "st-f16", "sentence-transformers", minilm, 32, "F16", True, 64, 2)
    make_pack(root, node_modules, "st-i8", "sentence-transformers", minilm, 32, "I8", False, 64, 3)
    make_pack(root, node_modules, "m2v-qwen3-i8", "model2vec", qwen3, 16, "I8", False, 48, 4)


if __name__ == "__main__":
    main()
