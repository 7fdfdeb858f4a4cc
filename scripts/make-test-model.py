#!/usr/bin/env python3
"""Generates a test model pack: a BERT encoder ONNX with seeded random weights.

Usage:
  make-test-model.py --preset {test-minilm|test-tiny} --tokenizer TOKENIZER.json --out DIR [--seed N]

The pack holds model.onnx, tokenizer.json (copied), instructd.json (a models.Manifest) and
reference.json. THE VECTORS CARRY NO MEANING: the weights are random. The pack exists so that
the Go side (tokenizer, ONNX session, batching, pooling, attention mode) can be checked for
parity against reference.json, which this script computes with an independent float64 numpy
forward pass and an independent Python BERT tokenizer, one text at a time (no padding).

Needs only Debian's python3-onnx (1.12) and python3-numpy. Deterministic: the same preset and
seed give a byte-identical model.onnx.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import unicodedata

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRESETS = {
    "test-minilm": dict(layers=6, hidden=384, heads=12, ffn=1536, max_positions=512, max_tokens=128),
    "test-tiny": dict(layers=2, hidden=32, heads=4, ffn=64, max_positions=512, max_tokens=128),
}
OPSET = 17
LN_EPS = 1e-12
# Additive attention-mask value for padded keys (as Hugging Face BERT does with finfo(float32).min).
MASK_VALUE = float(np.finfo(np.float32).min)

# The test packs' templates. "{instruction}\n{query}" is neutral: the newline is whitespace to a
# BERT tokenizer, so the model sees the instruction followed by the query.
QUERY_TEMPLATE = "{instruction}\n{query}"
DOCUMENT_TEMPLATE = "{document}"
DEFAULT_INSTRUCTION = "Given a query, retrieve relevant passages"


# ---------------------------------------------------------------------------------------------
# Weights


def make_weights(cfg, vocab_size, seed):
    """Returns an ordered dict name -> float32 array; BERT-like init (std 0.02) with noisy LN."""
    rng = np.random.default_rng(seed)
    d, f = cfg["hidden"], cfg["ffn"]
    w = {}

    def normal(*shape, std=0.02):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def ln(prefix):
        w[prefix + ".gamma"] = (1.0 + rng.standard_normal(d) * 0.1).astype(np.float32)
        w[prefix + ".beta"] = (rng.standard_normal(d) * 0.05).astype(np.float32)

    w["embeddings.word"] = normal(vocab_size, d)
    w["embeddings.position"] = normal(cfg["max_positions"], d)
    w["embeddings.token_type"] = normal(2, d)
    ln("embeddings.ln")
    for i in range(cfg["layers"]):
        p = f"layer{i}"
        for name in ("q", "k", "v", "o"):
            w[f"{p}.attn.{name}.weight"] = normal(d, d)  # [in, out]: y = x @ W + b
            w[f"{p}.attn.{name}.bias"] = normal(d)
        ln(f"{p}.attn.ln")
        w[f"{p}.ffn.in.weight"] = normal(d, f)
        w[f"{p}.ffn.in.bias"] = normal(f)
        w[f"{p}.ffn.out.weight"] = normal(f, d)
        w[f"{p}.ffn.out.bias"] = normal(d)
        ln(f"{p}.ffn.ln")
    return w


# ---------------------------------------------------------------------------------------------
# ONNX graph


class GraphBuilder:
    def __init__(self):
        self.nodes = []
        self.initializers = []
        self.n = 0

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f"{op_type.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self.n}", **attrs))
        return out


def build_onnx(cfg, weights):
    d, h = cfg["hidden"], cfg["heads"]
    dh = d // h
    g = GraphBuilder()
    for name, arr in weights.items():
        g.const(name, arr)
    i64 = lambda name, vals: g.const(name, np.array(vals, dtype=np.int64))
    i64("c.zero", 0)
    i64("c.one", 1)
    i64("c.idx1", 1)
    i64("c.axes12", [1, 2])
    i64("c.shape_heads", [0, 0, h, dh])
    i64("c.shape_merge", [0, 0, d])
    g.const("c.f_one", np.array(1.0, dtype=np.float32))
    g.const("c.mask_value", np.array(MASK_VALUE, dtype=np.float32))
    g.const("c.sqrt_dh", np.array(math.sqrt(dh), dtype=np.float32))
    g.const("c.sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    g.const("c.half", np.array(0.5, dtype=np.float32))

    # Embeddings: word + position + token type, then LayerNorm.
    word = g.op("Gather", ["embeddings.word", "input_ids"], axis=0)
    shape = g.op("Shape", ["input_ids"])
    seq_len = g.op("Gather", [shape, "c.idx1"], axis=0)
    positions = g.op("Range", ["c.zero", seq_len, "c.one"])
    pos = g.op("Gather", ["embeddings.position", positions], axis=0)
    typ = g.op("Gather", ["embeddings.token_type", "token_type_ids"], axis=0)
    x = g.op("Add", [g.op("Add", [word, pos]), typ])
    x = g.op("LayerNormalization", [x, "embeddings.ln.gamma", "embeddings.ln.beta"], axis=-1, epsilon=LN_EPS)

    # Additive mask [batch, 1, 1, seq]: 0 for real tokens, MASK_VALUE for padding.
    m = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    m = g.op("Mul", [g.op("Sub", ["c.f_one", m]), "c.mask_value"])
    mask = g.op("Unsqueeze", [m, "c.axes12"])

    def linear(inp, prefix):
        return g.op("Add", [g.op("MatMul", [inp, prefix + ".weight"]), prefix + ".bias"])

    def heads(t, perm):
        return g.op("Transpose", [g.op("Reshape", [t, "c.shape_heads"])], perm=perm)

    for i in range(cfg["layers"]):
        p = f"layer{i}"
        q = heads(linear(x, f"{p}.attn.q"), [0, 2, 1, 3])  # [B,H,L,dh]
        k = heads(linear(x, f"{p}.attn.k"), [0, 2, 3, 1])  # [B,H,dh,L]
        v = heads(linear(x, f"{p}.attn.v"), [0, 2, 1, 3])  # [B,H,L,dh]
        scores = g.op("Div", [g.op("MatMul", [q, k]), "c.sqrt_dh"])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, "c.shape_merge"])
        attn = linear(ctx, f"{p}.attn.o")
        x = g.op("LayerNormalization", [g.op("Add", [x, attn]), f"{p}.attn.ln.gamma", f"{p}.attn.ln.beta"],
                 axis=-1, epsilon=LN_EPS)
        hid = linear(x, f"{p}.ffn.in")
        erf = g.op("Erf", [g.op("Div", [hid, "c.sqrt2"])])
        gelu = g.op("Mul", [g.op("Mul", [hid, "c.half"]), g.op("Add", [erf, "c.f_one"])])
        out = linear(gelu, f"{p}.ffn.out")
        x = g.op("LayerNormalization", [g.op("Add", [x, out]), f"{p}.ffn.ln.gamma", f"{p}.ffn.ln.beta"],
                 axis=-1, epsilon=LN_EPS)
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    dims = ["batch", "sequence"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims)
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [d])]
    graph = helper.make_graph(g.nodes, "bert_encoder", inputs, outputs, initializer=g.initializers)
    model = helper.make_model(graph, producer_name="instructd-make-test-model", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    model.doc_string = "instructd test pack: BERT encoder with seeded RANDOM weights; vectors carry no meaning"
    onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------------------------------------
# Independent numpy forward pass (float64), written from the BERT equations.


def layer_norm(x, gamma, beta):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LN_EPS) * gamma + beta


def erf(x):
    # math.erf is exact to double precision; vectorised for the small arrays here.
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def forward(cfg, w64, ids):
    """Returns the last hidden state [len(ids), hidden] for one unpadded sequence."""
    d, h = cfg["hidden"], cfg["heads"]
    dh = d // h
    n = len(ids)
    ids = np.asarray(ids, dtype=np.int64)
    x = w64["embeddings.word"][ids] + w64["embeddings.position"][:n] + w64["embeddings.token_type"][0]
    x = layer_norm(x, w64["embeddings.ln.gamma"], w64["embeddings.ln.beta"])
    for i in range(cfg["layers"]):
        p = f"layer{i}"
        proj = lambda t, name: t @ w64[f"{p}.{name}.weight"] + w64[f"{p}.{name}.bias"]
        q = proj(x, "attn.q").reshape(n, h, dh).transpose(1, 0, 2)
        k = proj(x, "attn.k").reshape(n, h, dh).transpose(1, 0, 2)
        v = proj(x, "attn.v").reshape(n, h, dh).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(dh)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = s / s.sum(axis=-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(n, d)
        x = layer_norm(x + proj(ctx, "attn.o"), w64[f"{p}.attn.ln.gamma"], w64[f"{p}.attn.ln.beta"])
        hid = proj(x, "ffn.in")
        gelu = 0.5 * hid * (1.0 + erf(hid / math.sqrt(2.0)))
        x = layer_norm(x + proj(gelu, "ffn.out"), w64[f"{p}.ffn.ln.gamma"], w64[f"{p}.ffn.ln.beta"])
    return x


def l2(v):
    return v / np.linalg.norm(v)


def attention_embedding(inst, query):
    """InF-Embed instruction-query attention on unpadded states: inst [Li,d], query [Lq,d]."""
    d = inst.shape[1]
    s = inst @ query.T / math.sqrt(d)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    a = s / s.sum(axis=-1, keepdims=True)
    return l2((a @ query).mean(axis=0))


# ---------------------------------------------------------------------------------------------
# Independent BERT tokenizer (BertNormalizer + BertPreTokenizer + WordPiece), written from the
# Hugging Face tokenizers semantics for all-MiniLM-L6-v2's tokenizer.json.


def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def is_whitespace(c):
    return c in " \t\n\r" or c.isspace()


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer:
    def __init__(self, tokenizer_json):
        model = tokenizer_json["model"]
        if model.get("type") != "WordPiece":
            raise SystemExit("make-test-model: tokenizer model must be WordPiece")
        norm = tokenizer_json.get("normalizer") or {}
        self.vocab = model["vocab"]
        self.unk = model.get("unk_token", "[UNK]")
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_chars = model.get("max_input_chars_per_word", 100)
        self.lowercase = norm.get("lowercase", True)
        sa = norm.get("strip_accents")
        self.strip_accents = self.lowercase if sa is None else sa
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]

    def normalize(self, text):
        out = []
        for c in text:  # clean_text
            if ord(c) == 0 or ord(c) == 0xFFFD or is_control(c):
                continue
            out.append(" " if is_whitespace(c) else c)
        text = "".join(f" {c} " if is_cjk(ord(c)) else c for c in out)
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        if self.lowercase:
            text = text.lower()
        return text

    def pre_tokenize(self, text):
        words, cur = [], []
        for c in text:
            if is_whitespace(c):
                if cur:
                    words.append("".join(cur))
                    cur = []
            elif is_punctuation(c):
                if cur:
                    words.append("".join(cur))
                    cur = []
                words.append(c)
            else:
                cur.append(c)
        if cur:
            words.append("".join(cur))
        return words

    def wordpiece(self, word):
        if len(word) > self.max_chars:
            return [self.vocab[self.unk]]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end]
                if start > 0:
                    piece = self.prefix + piece
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.vocab[self.unk]]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_tokens):
        ids = []
        for word in self.pre_tokenize(self.normalize(text)):
            ids.extend(self.wordpiece(word))
        return [self.cls] + ids[: max_tokens - 2] + [self.sep]


# ---------------------------------------------------------------------------------------------
# Reference cases


LONG_TEXT = " ".join(
    f"Sentence {i} talks about retrieval, embeddings and the indexing of documents number {i * 7}."
    for i in range(40)
)


def reference_cases():
    query = "what is the boiling point of water at high altitude"
    return [
        ("plain_english", "The quick brown fox jumps over the lazy dog."),
        ("instruction_template",
         QUERY_TEMPLATE.replace("{instruction}", DEFAULT_INSTRUCTION).replace("{query}", query)),
        ("accents", "Café déjà vu naïve"),
        ("cjk", "東京は日本の首都です。北京是中国的首都。"),
        ("emoji", "I love pizza 🍕🙂 and ❤️ coffee ☕"),
        ("control_chars", "tab\there\x00nul\u200bzero\u200dwidth\r\nline\x07bell\ufffdreplacement"),
        ("mixed_punctuation", "Hello, world!! (e-mail: a.b@c.io) -- 3.14159; x=y+z? \"quoted\" 'single'"),
        ("whitespace_only", " "),
        ("empty", ""),
        ("long_word", "a" * 150 + " tail"),
        ("long_text_truncated", LONG_TEXT),
        ("long_cjk_truncated", "数据检索" * 60),
    ]


def attention_cases():
    return [
        ("short", "Given a query, retrieve relevant passages", "boiling point of water"),
        ("single_token_query", "Find documents about animals", "cats"),
        ("long_instruction", "Retrieve scientific abstracts that discuss the thermodynamic properties of "
                             "water, excluding anything that mentions cooking or recipes", "steam pressure"),
        ("empty_query", "Retrieve passages", ""),
        ("query_longer_than_max_tokens", "Find the relevant passage", LONG_TEXT),
    ]


def build_reference(cfg, w64, tok):
    mt = cfg["max_tokens"]
    ref = {"max_tokens": mt, "cases": [], "attention": []}
    for name, text in reference_cases():
        ids = tok.encode(text, mt)
        states = forward(cfg, w64, ids)
        ref["cases"].append({
            "name": name, "text": text, "input_ids": ids,
            "mean": floats(l2(states.mean(axis=0))), "cls": floats(l2(states[0])),
        })
    for name, inst, query in attention_cases():
        iids, qids = tok.encode(inst, mt), tok.encode(query, mt)
        emb = attention_embedding(forward(cfg, w64, iids), forward(cfg, w64, qids))
        ref["attention"].append({
            "name": name, "instruction": inst, "query": query,
            "instruction_ids": iids, "query_ids": qids, "embedding": floats(emb),
        })
    return ref


def floats(v):
    return [float(f"{x:.9g}") for x in v]


# ---------------------------------------------------------------------------------------------


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", required=True, choices=sorted(PRESETS))
    ap.add_argument("--tokenizer", required=True, help="a BERT WordPiece tokenizer.json")
    ap.add_argument("--out", required=True, help="pack directory to (re)create")
    ap.add_argument("--seed", type=int, default=20260527)
    args = ap.parse_args()
    cfg = PRESETS[args.preset]

    with open(args.tokenizer, encoding="utf-8") as f:
        tok_json = json.load(f)
    tok = BertTokenizer(tok_json)
    vocab_size = max(tok.vocab.values()) + 1
    for t in tok_json.get("added_tokens", []):
        vocab_size = max(vocab_size, t["id"] + 1)

    weights = make_weights(cfg, vocab_size, args.seed)
    model = build_onnx(cfg, weights)
    w64 = {k: v.astype(np.float64) for k, v in weights.items()}
    reference = build_reference(cfg, w64, tok)

    out = os.path.abspath(args.out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(out) + "-", dir=parent)
    try:
        with open(os.path.join(tmp, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        shutil.copyfile(args.tokenizer, os.path.join(tmp, "tokenizer.json"))
        with open(os.path.join(tmp, "reference.json"), "w", encoding="utf-8") as f:
            json.dump(reference, f, ensure_ascii=False, indent=1)
            f.write("\n")
        manifest = {
            "name": "instructd/" + args.preset,
            "description": ("TEST PACK WITH RANDOM WEIGHTS - ITS VECTORS CARRY NO MEANING. "
                            f"BERT-shaped encoder ({cfg['layers']} layers, hidden {cfg['hidden']}) generated "
                            f"by scripts/make-test-model.py --preset {args.preset} --seed {args.seed}, "
                            "for parity and plumbing tests only; use a real pack for retrieval."),
            "semantic": False,
            "dimension": cfg["hidden"],
            "max_tokens": cfg["max_tokens"],
            "pooling": "mean",
            "normalize": True,
            "output_name": "last_hidden_state",
            "query_template": QUERY_TEMPLATE,
            "document_template": DOCUMENT_TEMPLATE,
            "default_instruction": DEFAULT_INSTRUCTION,
            "instruction_mode": "template",
            "source": f"generated: scripts/make-test-model.py --preset {args.preset} --seed {args.seed}",
            "files": {name: sha256(os.path.join(tmp, name)) for name in ("model.onnx", "tokenizer.json")},
        }
        with open(os.path.join(tmp, "instructd.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"make-test-model: wrote {out} ({os.path.getsize(os.path.join(out, 'model.onnx')) >> 20} MiB model, "
          f"{len(reference['cases'])} cases, {len(reference['attention'])} attention cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
