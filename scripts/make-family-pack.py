#!/usr/bin/env python3
"""Generates a random-weight test pack shaped like a real embedding-model family's ONNX export.

Usage:
  make-family-pack.py --family {qwen3|qwen3-fp16|xlmr|modernbert|gemma3} --tokenizer TOKENIZER.json --out DIR [--seed N]

Families (each small: hidden 32, 2 layers, so `make test` stays quick):
  qwen3       Qwen3-Embedding as onnx-community exports it: decoder with RMSNorm, q/k norms, RoPE,
              grouped-query attention (4 query / 2 kv heads), SwiGLU, causal mask; inputs
              input_ids, attention_mask, position_ids, past_key_values.{i}.key/value; outputs
              last_hidden_state and present.{i}.key/value. Last-token pooling, "<|endoftext|>"
              appended after truncation. onnx/model.onnx.
  qwen3-fp16  the same weights rounded to float16: int32 ids, float16 caches and outputs, the
              weights in TWO external-data files (onnx/model_fp16.onnx_data, _data_1).
  xlmr        XLM-R encoder (multilingual-e5 / bge-m3): post-LN BERT blocks, position ids
              offset by padding_idx + 1 and computed from input_ids inside the graph,
              token_type_ids input. Mean pooling.
  modernbert  gte-modernbert: pre-norm ModernBERT blocks (bias-free LayerNorm and linears, fused
              Wqkv, global/local RoPE every third layer, GeGLU), input_ids and attention_mask only,
              CLS pooling. Its BPE tokenizer is not in npm, so the Llama-3 tokenizer.json stands in,
              with a [CLS] $A [SEP]-style template (<|begin_of_text|> … <|end_of_text|>).
  gemma3      EmbeddingGemma: bidirectional Gemma3 blocks (scaled embeddings, (1 + w) RMSNorm,
              q/k norms, local/global RoPE, GELU-tanh GLU, sandwich norms) followed in the graph
              by mean pooling, two dense layers and L2 normalisation: rank-2 sentence_embedding
              output, pooling "none".

Vocabularies of 150k–260k ids would make the embedding table the whole model, so every graph
looks ids up modulo TABLE_ROWS (Mod before Gather) — the ids fed in are the real tokenizer's.

The pack holds the ONNX file(s), tokenizer.json, config.json (for transformers.js),
instructd.json and reference.json.gz: per case the rendered text, the token ids from Hugging
Face's Rust tokenizer (node + npm `tokenizers`, scripts/family-pack/tokenize.mjs) and the
vector from an independent float64 numpy forward pass written from the model equations, one
text at a time (no padding, no cache). THE VECTORS CARRY NO MEANING.
Deterministic: the same family and seed give byte-identical ONNX files.
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
TABLE_ROWS = 4096
MASK_VALUE = float(np.finfo(np.float32).min)
HERE = os.path.dirname(os.path.abspath(__file__))

FAMILIES = {
    "qwen3": dict(arch="qwen3", hidden=32, layers=2, heads=4, kv_heads=2, head_dim=16, ffn=64,
                  rope_theta=1e6, eps=1e-6, max_tokens=48, fp16=False),
    "qwen3-fp16": dict(arch="qwen3", hidden=32, layers=2, heads=4, kv_heads=2, head_dim=16, ffn=64,
                       rope_theta=1e6, eps=1e-6, max_tokens=48, fp16=True),
    "xlmr": dict(arch="xlmr", hidden=32, layers=2, heads=4, ffn=64, eps=1e-5, max_tokens=48, pad=1),
    "modernbert": dict(arch="modernbert", hidden=32, layers=3, heads=4, ffn=48, eps=1e-5, max_tokens=48,
                       rope_global=160000.0, rope_local=10000.0, global_every=3),
    "gemma3": dict(arch="gemma3", hidden=32, layers=2, heads=4, kv_heads=2, head_dim=16, ffn=64,
                   dense=128, rope_local=1e4, rope_global=1e6, eps=1e-6, max_tokens=48),
}

QWEN_QUERY = "Instruct: {instruction}\nQuery:{query}"
QWEN_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
E5_QUERY = "Instruct: {instruction}\nQuery: {query}"
GEMMA_QUERY = "task: search result | query: {query}"
GEMMA_DOCUMENT = "title: none | text: {document}"

LONG_TEXT = " ".join(
    f"Sentence {i} talks about retrieval, embeddings and the indexing of documents number {i * 7}."
    for i in range(12))

TEXTS = [
    ("plain", "The quick brown fox jumps over the lazy dog."),
    ("short", "cats"),
    ("question", "what is the boiling point of water at high altitude"),
    ("accents", "Café déjà vu naïve façade"),
    ("cjk", "東京は日本の首都です。北京是中国的首都。"),
    ("emoji", "I love pizza 🍕🙂 and ❤️ coffee ☕"),
    ("code", "func main() { fmt.Println(\"hi\") } // 42"),
    ("numbers", "In 1969, 3 astronauts flew 384,400 km; π ≈ 3.14159."),
    ("whitespace", "  spaced\tout\n\nlines  "),
    ("german", "Die Bücher liegen auf dem Tisch, übrigens."),
    ("russian", "Москва — столица России."),
    ("arabic", "مرحبا بالعالم"),
    ("endoftext_literal", "text that mentions <|endoftext|> inline"),
    ("long_truncated", LONG_TEXT),
    ("medium", "Retrieval-augmented generation combines a search index with a language model."),
]


def cases(manifest):
    """Returns (name, kind, text, rendered) for every reference case."""
    out = []
    for name, text in TEXTS:
        out.append((name, "document", text, manifest["document_template"].replace("{document}", text)))
    inst = manifest.get("default_instruction", "")
    for name, text in TEXTS[:4] + [TEXTS[13]]:
        rendered = manifest["query_template"].replace("{instruction}", inst).replace("{query}", text)
        out.append(("query_" + name, "query", text, rendered))
    return out


# ---------------------------------------------------------------------------------------------
# Weights


def make_weights(cfg, seed):
    rng = np.random.default_rng(seed)
    d, f = cfg["hidden"], cfg["ffn"]
    w = {}

    def normal(*shape, std=0.08):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def norm_weight(n, center):
        return (center + rng.standard_normal(n) * 0.1).astype(np.float32)

    w["embed"] = normal(TABLE_ROWS, d, std=0.5 if cfg["arch"] != "gemma3" else 0.1)
    if cfg["arch"] == "modernbert":
        w["emb_norm"] = norm_weight(d, 1.0)
        for i in range(cfg["layers"]):
            p = f"l{i}."
            if i > 0:
                w[p + "attn_norm"] = norm_weight(d, 1.0)
            w[p + "wqkv"] = normal(d, 3 * d, std=0.25)
            w[p + "wo"] = normal(d, d, std=0.2)
            w[p + "mlp_norm"] = norm_weight(d, 1.0)
            w[p + "wi"] = normal(d, 2 * f, std=0.25)
            w[p + "mlp_wo"] = normal(f, d, std=0.2)
        w["final_norm"] = norm_weight(d, 1.0)
        return w
    if cfg["arch"] == "xlmr":
        w["pos"] = normal(cfg["max_tokens"] + cfg["pad"] + 1, d, std=0.1)
        w["type"] = normal(1, d, std=0.1)
        w["emb_ln.g"], w["emb_ln.b"] = norm_weight(d, 1.0), normal(d, std=0.05)
        for i in range(cfg["layers"]):
            p = f"l{i}."
            for n in "qkvo":
                w[p + n + ".w"], w[p + n + ".b"] = normal(d, d, std=0.2), normal(d, std=0.05)
            w[p + "ln1.g"], w[p + "ln1.b"] = norm_weight(d, 1.0), normal(d, std=0.05)
            w[p + "up.w"], w[p + "up.b"] = normal(d, f, std=0.2), normal(f, std=0.05)
            w[p + "down.w"], w[p + "down.b"] = normal(f, d, std=0.2), normal(d, std=0.05)
            w[p + "ln2.g"], w[p + "ln2.b"] = norm_weight(d, 1.0), normal(d, std=0.05)
        return w
    h, kv, hd = cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
    center = 1.0 if cfg["arch"] == "qwen3" else 0.0  # Gemma scales by (1 + w)
    for i in range(cfg["layers"]):
        p = f"l{i}."
        w[p + "in_norm"] = norm_weight(d, center)
        w[p + "q"] = normal(d, h * hd, std=0.25)
        w[p + "k"] = normal(d, kv * hd, std=0.25)
        w[p + "v"] = normal(d, kv * hd, std=0.25)
        w[p + "o"] = normal(h * hd, d, std=0.2)
        w[p + "q_norm"] = norm_weight(hd, center)
        w[p + "k_norm"] = norm_weight(hd, center)
        w[p + "post_norm"] = norm_weight(d, center)
        if cfg["arch"] == "gemma3":
            w[p + "pre_ffn_norm"] = norm_weight(d, center)
            w[p + "post_ffn_norm"] = norm_weight(d, center)
        w[p + "gate"] = normal(d, f, std=0.25)
        w[p + "up"] = normal(d, f, std=0.25)
        w[p + "down"] = normal(f, d, std=0.2)
    w["final_norm"] = norm_weight(d, center)
    if cfg["arch"] == "gemma3":
        w["dense1"] = normal(d, cfg["dense"], std=0.2)
        w["dense2"] = normal(cfg["dense"], d, std=0.1)
    return w


# ---------------------------------------------------------------------------------------------
# ONNX graphs


class Graph:
    """Builds an ONNX graph; weights may be stored as float16 and cast to float32 on use."""

    def __init__(self, weights, fp16=False):
        self.nodes, self.inits, self.n = [], [], 0
        self.weights, self.fp16, self.wnames = weights, fp16, {}

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def f32(self, name, value):
        return self.const(name, np.array(value, dtype=np.float32))

    def i64(self, name, value):
        return self.const(name, np.array(value, dtype=np.int64))

    def w(self, name):
        """The float32 value of weight name (added on first use)."""
        if name not in self.wnames:
            arr = self.weights[name]
            if self.fp16:
                self.const("w." + name, arr.astype(np.float16))
                self.wnames[name] = self.op("Cast", ["w." + name], to=TensorProto.FLOAT)
            else:
                self.wnames[name] = self.const("w." + name, arr)
        return self.wnames[name]

    def op(self, op_type, inputs, outputs=None, **attrs):
        self.n += 1
        out = outputs or [f"{op_type.lower()}_{self.n}"]
        self.nodes.append(helper.make_node(op_type, inputs, out, name=f"{op_type}_{self.n}", **attrs))
        return out[0]


def rms_norm(g, x, weight, eps, plus_one):
    ms = g.op("ReduceMean", [g.op("Mul", [x, x])], axes=[-1], keepdims=1)
    y = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [ms, g.f32(f"c.eps{g.n}", eps)])])])
    w = g.w(weight)
    if plus_one:
        w = g.op("Add", [w, "c.one_f"])
    return g.op("Mul", [y, w])


def rope(g, t, cos, sin, hd):
    """t [B,H,L,hd] rotated: t·cos + rotate_half(t)·sin."""
    half = hd // 2
    x1 = g.op("Slice", [t, g.i64(f"c.s0_{g.n}", [0]), g.i64(f"c.s1_{g.n}", [half]), "c.axis3"])
    x2 = g.op("Slice", [t, g.i64(f"c.s2_{g.n}", [half]), g.i64(f"c.s3_{g.n}", [hd]), "c.axis3"])
    rot = g.op("Concat", [g.op("Neg", [x2]), x1], axis=-1)
    return g.op("Add", [g.op("Mul", [t, cos]), g.op("Mul", [rot, sin])])


def rope_tables(g, pos_f, theta, hd, tag):
    """pos_f [B,L] float → cos, sin [B,1,L,hd]."""
    inv = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = g.op("Mul", [g.op("Unsqueeze", [pos_f, "c.axis_last"]), g.f32(f"c.inv_{tag}", inv.astype(np.float32))])
    emb = g.op("Unsqueeze", [g.op("Concat", [freqs, freqs], axis=-1), "c.axis1"])
    return g.op("Cos", [emb]), g.op("Sin", [emb])


def common_consts(g):
    g.f32("c.one_f", 1.0)
    g.f32("c.zero_f", 0.0)
    g.f32("c.mask", MASK_VALUE)
    g.i64("c.rows", TABLE_ROWS)
    g.i64("c.axis1", [1])
    g.i64("c.axis3", [3])
    g.i64("c.axis_last", [-1])
    g.i64("c.axes12", [1, 2])
    g.i64("c.i0", 0)
    g.i64("c.i1", 1)
    g.i64("c.idx1", [1])
    g.i64("c.idx2", [2])


def embed_ids(g, ids):
    return g.op("Gather", [g.w("embed"), g.op("Mod", [ids, "c.rows"])], axis=0)


def decoder_graph(cfg, weights):
    """Qwen3 (causal, with past_key_values) or Gemma3 (bidirectional, pooled) graph."""
    gem = cfg["arch"] == "gemma3"
    fp16 = cfg.get("fp16", False)
    g = Graph(weights, fp16)
    common_consts(g)
    d, h, kv, hd, L = cfg["hidden"], cfg["heads"], cfg["kv_heads"], cfg["head_dim"], cfg["layers"]
    id_type = TensorProto.INT32 if fp16 else TensorProto.INT64
    cache_type = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
    ids, mask = "input_ids", "attention_mask"
    if fp16:
        ids = g.op("Cast", [ids], to=TensorProto.INT64)
        mask = g.op("Cast", [mask], to=TensorProto.INT64)
    x = embed_ids(g, ids)
    if gem:
        x = g.op("Mul", [x, g.f32("c.embed_scale", math.sqrt(d))])
    seq = g.op("Gather", [g.op("Shape", [ids]), "c.idx1"], axis=0)  # [1]
    if gem:
        positions = g.op("Range", ["c.i0", g.op("Squeeze", [seq]), "c.i1"])
        pos_f = g.op("Unsqueeze", [g.op("Cast", [positions], to=TensorProto.FLOAT), g.i64("c.axis0", [0])])
        allowed = g.op("Unsqueeze", [g.op("Cast", [mask], to=TensorProto.BOOL), "c.axes12"])  # [B,1,1,T]
        past_len = None
    else:
        pos = "position_ids" if not fp16 else g.op("Cast", ["position_ids"], to=TensorProto.INT64)
        pos_f = g.op("Cast", [pos], to=TensorProto.FLOAT)
        past_key0 = "past_key_values.0.key"
        if fp16:
            past_key0 = g.op("Cast", [past_key0], to=TensorProto.FLOAT)
        past_len = g.op("Gather", [g.op("Shape", [past_key0]), "c.idx2"], axis=0)  # [1]
        total = g.op("Add", [past_len, seq])
        kpos = g.op("Range", ["c.i0", g.op("Squeeze", [total]), "c.i1"])  # [T]
        qpos = g.op("Add", [g.op("Range", ["c.i0", g.op("Squeeze", [seq]), "c.i1"]), past_len])  # [L]
        causal = g.op("LessOrEqual", [g.op("Unsqueeze", [kpos, g.i64("c.axis0", [0])]),
                                      g.op("Unsqueeze", [qpos, "c.axis_last"])])  # [L,T]
        pad = g.op("Unsqueeze", [g.op("Cast", [mask], to=TensorProto.BOOL), "c.axes12"])  # [B,1,1,T]
        allowed = g.op("And", [pad, causal])  # [B,1,L,T]
    bias = g.op("Where", [allowed, "c.zero_f", "c.mask"])
    tables = {}
    inputs = [helper.make_tensor_value_info("input_ids", id_type, ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", id_type, ["batch_size", "total_sequence_length"])]
    if not gem:
        inputs.append(helper.make_tensor_value_info("position_ids", id_type, ["batch_size", "sequence_length"]))
    outputs = []
    g.i64("c.heads_q", [0, 0, h, hd])
    g.i64("c.heads_kv", [0, 0, kv, hd])
    g.i64("c.merge", [0, 0, h * hd])
    g.i64("c.gqa", [0, h, -1, hd])
    g.f32("c.scale", 1.0 / math.sqrt(hd))
    for i in range(L):
        p = f"l{i}."
        theta = cfg["rope_theta"] if not gem else (cfg["rope_local"] if i % 2 == 0 else cfg["rope_global"])
        if theta not in tables:
            tables[theta] = rope_tables(g, pos_f, theta, hd, str(len(tables)))
        cos, sin = tables[theta]
        hn = rms_norm(g, x, p + "in_norm", cfg["eps"], gem)
        q = g.op("Reshape", [g.op("MatMul", [hn, g.w(p + "q")]), "c.heads_q"])
        k = g.op("Reshape", [g.op("MatMul", [hn, g.w(p + "k")]), "c.heads_kv"])
        v = g.op("Reshape", [g.op("MatMul", [hn, g.w(p + "v")]), "c.heads_kv"])
        q = g.op("Transpose", [rms_norm(g, q, p + "q_norm", cfg["eps"], gem)], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [rms_norm(g, k, p + "k_norm", cfg["eps"], gem)], perm=[0, 2, 1, 3])
        v = g.op("Transpose", [v], perm=[0, 2, 1, 3])
        q, k = rope(g, q, cos, sin, hd), rope(g, k, cos, sin, hd)
        if not gem:
            pk, pv = f"past_key_values.{i}.key", f"past_key_values.{i}.value"
            for n in (pk, pv):
                inputs.append(helper.make_tensor_value_info(
                    n, cache_type, ["batch_size", kv, "past_sequence_length", hd]))
            pk32 = g.op("Cast", [pk], to=TensorProto.FLOAT) if fp16 else pk
            pv32 = g.op("Cast", [pv], to=TensorProto.FLOAT) if fp16 else pv
            k = g.op("Concat", [pk32, k], axis=2)
            v = g.op("Concat", [pv32, v], axis=2)
            for n, t in ((f"present.{i}.key", k), (f"present.{i}.value", v)):
                if fp16:
                    g.op("Cast", [t], [n], to=TensorProto.FLOAT16)
                else:
                    g.op("Identity", [t], [n])
                outputs.append(helper.make_tensor_value_info(
                    n, cache_type, ["batch_size", kv, "total_sequence_length", hd]))
        rep = h // kv

        def repeat(t):
            t = g.op("Unsqueeze", [t, g.i64(f"c.ax2_{g.n}", [2])])  # [B,kv,1,T,hd]
            shp = g.op("Shape", [t])
            target = g.op("Mul", [shp, g.i64(f"c.rep_{g.n}", [1, 1, rep, 1, 1])])
            return g.op("Reshape", [g.op("Expand", [t, target]), "c.gqa"])

        kr, vr = repeat(k), repeat(v)
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [kr], perm=[0, 1, 3, 2])]), "c.scale"])
        probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, vr])], perm=[0, 2, 1, 3]), "c.merge"])
        attn = g.op("MatMul", [ctx, g.w(p + "o")])
        if gem:
            attn = rms_norm(g, attn, p + "post_norm", cfg["eps"], True)
            x = g.op("Add", [x, attn])
            hn = rms_norm(g, x, p + "pre_ffn_norm", cfg["eps"], True)
        else:
            x = g.op("Add", [x, attn])
            hn = rms_norm(g, x, p + "post_norm", cfg["eps"], False)
        gate = g.op("MatMul", [hn, g.w(p + "gate")])
        if gem:
            c = g.f32(f"c.gk{i}", math.sqrt(2.0 / math.pi))
            inner = g.op("Mul", [c, g.op("Add", [gate, g.op("Mul", [g.f32(f"c.g3{i}", 0.044715),
                                                                     g.op("Mul", [gate, g.op("Mul", [gate, gate])])])])])
            act = g.op("Mul", [g.op("Mul", [gate, g.f32(f"c.gh{i}", 0.5)]), g.op("Add", ["c.one_f", g.op("Tanh", [inner])])])
        else:
            act = g.op("Mul", [gate, g.op("Sigmoid", [gate])])
        mlp = g.op("MatMul", [g.op("Mul", [act, g.op("MatMul", [hn, g.w(p + "up")])]), g.w(p + "down")])
        if gem:
            mlp = rms_norm(g, mlp, p + "post_ffn_norm", cfg["eps"], True)
        x = g.op("Add", [x, mlp])
    x = rms_norm(g, x, "final_norm", cfg["eps"], gem)
    if gem:
        g.op("Identity", [x], ["last_hidden_state"])
        m = g.op("Unsqueeze", [g.op("Cast", [mask], to=TensorProto.FLOAT), "c.axis_last"])  # [B,T,1]
        summed = g.op("ReduceSum", [g.op("Mul", [x, m]), "c.axis1"], keepdims=0)
        count = g.op("ReduceSum", [m, "c.axis1"], keepdims=0)
        pooled = g.op("Div", [summed, g.op("Max", [count, g.f32("c.tiny", 1e-9)])])
        y = g.op("MatMul", [g.op("MatMul", [pooled, g.w("dense1")]), g.w("dense2")])
        n = g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [y, y]), "c.axis_last"], keepdims=1)])
        g.op("Div", [y, g.op("Max", [n, g.f32("c.tiny2", 1e-12)])], ["sentence_embedding"])
        outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", d]),
                   helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch_size", d])]
    else:
        out_type = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
        if fp16:
            g.op("Cast", [x], ["last_hidden_state"], to=TensorProto.FLOAT16)
        else:
            g.op("Identity", [x], ["last_hidden_state"])
        outputs.insert(0, helper.make_tensor_value_info("last_hidden_state", out_type, ["batch_size", "sequence_length", d]))
    return finish(g, inputs, outputs, cfg["arch"])


def xlmr_graph(cfg, weights):
    g = Graph(weights)
    common_consts(g)
    d, h = cfg["hidden"], cfg["heads"]
    hd = d // h
    pad = cfg["pad"]
    # XLM-R's create_position_ids_from_input_ids: cumsum over non-pad tokens, offset by pad.
    nonpad = g.op("Cast", [g.op("Not", [g.op("Equal", ["input_ids", g.i64("c.pad", pad)])])], to=TensorProto.INT64)
    pos = g.op("Add", [g.op("Mul", [g.op("CumSum", [nonpad, "c.i1"]), nonpad]), "c.pad"])
    x = g.op("Add", [g.op("Add", [embed_ids(g, "input_ids"), g.op("Gather", [g.w("pos"), pos], axis=0)]),
                     g.op("Gather", [g.w("type"), "token_type_ids"], axis=0)])
    eps = cfg["eps"]

    def ln(t, p):
        return g.op("LayerNormalization", [t, g.w(p + ".g"), g.w(p + ".b")], axis=-1, epsilon=eps)

    def lin(t, p):
        return g.op("Add", [g.op("MatMul", [t, g.w(p + ".w")]), g.w(p + ".b")])

    x = ln(x, "emb_ln")
    m = g.op("Cast", ["attention_mask"], to=TensorProto.BOOL)
    bias = g.op("Unsqueeze", [g.op("Where", [m, "c.zero_f", "c.mask"]), "c.axes12"])
    g.i64("c.heads", [0, 0, h, hd])
    g.i64("c.merge", [0, 0, d])
    g.f32("c.scale", 1.0 / math.sqrt(hd))
    g.f32("c.sqrt2", math.sqrt(2.0))
    g.f32("c.half", 0.5)
    for i in range(cfg["layers"]):
        p = f"l{i}."
        q = g.op("Transpose", [g.op("Reshape", [lin(x, p + "q"), "c.heads"])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [lin(x, p + "k"), "c.heads"])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [lin(x, p + "v"), "c.heads"])], perm=[0, 2, 1, 3])
        probs = g.op("Softmax", [g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), "c.scale"]), bias])], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), "c.merge"])
        x = ln(g.op("Add", [x, lin(ctx, p + "o")]), p + "ln1")
        hid = lin(x, p + "up")
        gelu = g.op("Mul", [g.op("Mul", [hid, "c.half"]), g.op("Add", [g.op("Erf", [g.op("Div", [hid, "c.sqrt2"])]), "c.one_f"])])
        x = ln(g.op("Add", [x, lin(gelu, p + "down")]), p + "ln2")
    g.op("Identity", [x], ["last_hidden_state"])
    dims = ["batch_size", "sequence_length"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [d])]
    return finish(g, inputs, outputs, "xlmr")


def modernbert_graph(cfg, weights):
    g = Graph(weights)
    common_consts(g)
    d, h, f = cfg["hidden"], cfg["heads"], cfg["ffn"]
    hd = d // h
    g.const("c.zero_bias", np.zeros(d, dtype=np.float32))

    def ln(t, name):  # LayerNorm without bias
        return g.op("LayerNormalization", [t, g.w(name), "c.zero_bias"], axis=-1, epsilon=cfg["eps"])

    x = ln(embed_ids(g, "input_ids"), "emb_norm")
    seq = g.op("Gather", [g.op("Shape", ["input_ids"]), "c.idx1"], axis=0)
    positions = g.op("Range", ["c.i0", g.op("Squeeze", [seq]), "c.i1"])
    pos_f = g.op("Unsqueeze", [g.op("Cast", [positions], to=TensorProto.FLOAT), g.i64("c.axis0", [0])])
    m = g.op("Cast", ["attention_mask"], to=TensorProto.BOOL)
    bias = g.op("Unsqueeze", [g.op("Where", [m, "c.zero_f", "c.mask"]), "c.axes12"])
    g.i64("c.heads3", [0, 0, 3, h, hd])
    g.i64("c.merge", [0, 0, d])
    g.f32("c.scale", 1.0 / math.sqrt(hd))
    g.f32("c.sqrt2", math.sqrt(2.0))
    g.f32("c.half", 0.5)
    tables = {}
    for i in range(cfg["layers"]):
        p = f"l{i}."
        theta = cfg["rope_global"] if i % cfg["global_every"] == 0 else cfg["rope_local"]
        if theta not in tables:
            tables[theta] = rope_tables(g, pos_f, theta, hd, str(len(tables)))
        cos, sin = tables[theta]
        hn = x if i == 0 else ln(x, p + "attn_norm")
        qkv = g.op("Transpose", [g.op("Reshape", [g.op("MatMul", [hn, g.w(p + "wqkv")]), "c.heads3"])],
                   perm=[2, 0, 3, 1, 4])  # [3,B,H,L,hd]
        q, k, v = (g.op("Gather", [qkv, g.i64(f"c.qkv{i}{j}", j)], axis=0) for j in range(3))
        q, k = rope(g, q, cos, sin, hd), rope(g, k, cos, sin, hd)
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]), "c.scale"])
        probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), "c.merge"])
        x = g.op("Add", [x, g.op("MatMul", [ctx, g.w(p + "wo")])])
        hn = ln(x, p + "mlp_norm")
        wi = g.op("MatMul", [hn, g.w(p + "wi")])
        inp = g.op("Slice", [wi, g.i64(f"c.a{i}", [0]), g.i64(f"c.b{i}", [f]), "c.axis_last"])
        gate = g.op("Slice", [wi, g.i64(f"c.c{i}", [f]), g.i64(f"c.d{i}", [2 * f]), "c.axis_last"])
        gelu = g.op("Mul", [g.op("Mul", [inp, "c.half"]), g.op("Add", [g.op("Erf", [g.op("Div", [inp, "c.sqrt2"])]), "c.one_f"])])
        x = g.op("Add", [x, g.op("MatMul", [g.op("Mul", [gelu, gate]), g.w(p + "mlp_wo")])])
    g.op("Identity", [ln(x, "final_norm")], ["last_hidden_state"])
    dims = ["batch_size", "sequence_length"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [d])]
    return finish(g, inputs, outputs, "modernbert")


def finish(g, inputs, outputs, arch):
    graph = helper.make_graph(g.nodes, arch + "_test", inputs, outputs, initializer=g.inits)
    model = helper.make_model(graph, producer_name="instructd-make-family-pack", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    model.doc_string = f"instructd test pack: {arch}-shaped graph with seeded RANDOM weights; vectors carry no meaning"
    onnx.checker.check_model(model, full_check=True)
    return model


def save_external(model, path, split_after):
    """Writes model to path with its initializers in two external-data files: the first
    split_after bytes' worth of tensors (in order) in <name>_data, the rest in <name>_data_1."""
    base = os.path.basename(path)
    files = [base + "_data", base + "_data_1"]
    blobs = [bytearray(), bytearray()]
    written = 0
    for t in model.graph.initializer:
        raw = t.raw_data
        if len(raw) < 64:  # small constants stay inline
            continue
        which = 0 if written < split_after else 1
        written += len(raw)
        blob = blobs[which]
        pad = (-len(blob)) % 64
        blob.extend(b"\0" * pad)
        offset = len(blob)
        blob.extend(raw)
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        for k, v in (("location", files[which]), ("offset", str(offset)), ("length", str(len(raw)))):
            e = t.external_data.add()
            e.key, e.value = k, v
    for name, blob in zip(files, blobs):
        if not blob:
            raise SystemExit("make-family-pack: external-data split left a file empty")
        with open(os.path.join(os.path.dirname(path), name), "wb") as f:
            f.write(blob)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return files


# ---------------------------------------------------------------------------------------------
# Independent numpy float64 forward passes, one unpadded sequence at a time.


def np_rms(x, w, eps, plus_one):
    y = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
    return y * ((1.0 + w) if plus_one else w)


def np_rope(t, positions, theta):
    """t [H,L,hd]."""
    hd = t.shape[-1]
    inv = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = positions[:, None] * inv[None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)
    x1, x2 = t[..., : hd // 2], t[..., hd // 2:]
    rot = np.concatenate([-x2, x1], axis=-1)
    return t * np.cos(emb) + rot * np.sin(emb)


def softmax(s):
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    return s / s.sum(axis=-1, keepdims=True)


def forward_decoder(cfg, w, ids):
    gem = cfg["arch"] == "gemma3"
    d, h, kv, hd = cfg["hidden"], cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
    n = len(ids)
    x = w["embed"][np.asarray(ids) % TABLE_ROWS]
    if gem:
        x = x * math.sqrt(d)
    positions = np.arange(n, dtype=np.float64)
    causal = np.tril(np.ones((n, n), dtype=bool))
    for i in range(cfg["layers"]):
        p = f"l{i}."
        theta = cfg["rope_theta"] if not gem else (cfg["rope_local"] if i % 2 == 0 else cfg["rope_global"])
        hn = np_rms(x, w[p + "in_norm"], cfg["eps"], gem)
        q = np_rms((hn @ w[p + "q"]).reshape(n, h, hd), w[p + "q_norm"], cfg["eps"], gem).transpose(1, 0, 2)
        k = np_rms((hn @ w[p + "k"]).reshape(n, kv, hd), w[p + "k_norm"], cfg["eps"], gem).transpose(1, 0, 2)
        v = (hn @ w[p + "v"]).reshape(n, kv, hd).transpose(1, 0, 2)
        q, k = np_rope(q, positions, theta), np_rope(k, positions, theta)
        k, v = np.repeat(k, h // kv, axis=0), np.repeat(v, h // kv, axis=0)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        if not gem:
            s = np.where(causal[None], s, -np.inf)
        ctx = (softmax(s) @ v).transpose(1, 0, 2).reshape(n, h * hd)
        attn = ctx @ w[p + "o"]
        if gem:
            x = x + np_rms(attn, w[p + "post_norm"], cfg["eps"], True)
            hn = np_rms(x, w[p + "pre_ffn_norm"], cfg["eps"], True)
        else:
            x = x + attn
            hn = np_rms(x, w[p + "post_norm"], cfg["eps"], False)
        gate = hn @ w[p + "gate"]
        if gem:
            act = 0.5 * gate * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (gate + 0.044715 * gate ** 3)))
        else:
            act = gate / (1.0 + np.exp(-gate))
        mlp = (act * (hn @ w[p + "up"])) @ w[p + "down"]
        if gem:
            mlp = np_rms(mlp, w[p + "post_ffn_norm"], cfg["eps"], True)
        x = x + mlp
    return np_rms(x, w["final_norm"], cfg["eps"], gem)


def np_ln(x, g, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def forward_xlmr(cfg, w, ids):
    d, h = cfg["hidden"], cfg["heads"]
    hd, n, pad, eps = d // h, len(ids), cfg["pad"], cfg["eps"]
    erf = np.vectorize(math.erf, otypes=[np.float64])
    ids = np.asarray(ids)
    nonpad = (ids != pad).astype(np.int64)
    pos = np.cumsum(nonpad) * nonpad + pad
    x = w["embed"][ids % TABLE_ROWS] + w["pos"][pos] + w["type"][0]
    x = np_ln(x, w["emb_ln.g"], w["emb_ln.b"], eps)
    for i in range(cfg["layers"]):
        p = f"l{i}."
        lin = lambda t, name: t @ w[p + name + ".w"] + w[p + name + ".b"]
        q, k, v = (lin(x, c).reshape(n, h, hd).transpose(1, 0, 2) for c in "qkv")
        ctx = (softmax(q @ k.transpose(0, 2, 1) / math.sqrt(hd)) @ v).transpose(1, 0, 2).reshape(n, d)
        x = np_ln(x + lin(ctx, "o"), w[p + "ln1.g"], w[p + "ln1.b"], eps)
        hid = lin(x, "up")
        x = np_ln(x + lin(0.5 * hid * (1.0 + erf(hid / math.sqrt(2.0))), "down"), w[p + "ln2.g"], w[p + "ln2.b"], eps)
    return x


def np_ln_nobias(x, g, eps):
    return np_ln(x, g, 0.0, eps)


def forward_modernbert(cfg, w, ids):
    d, h, f, eps = cfg["hidden"], cfg["heads"], cfg["ffn"], cfg["eps"]
    hd, n = d // h, len(ids)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    x = np_ln_nobias(w["embed"][np.asarray(ids) % TABLE_ROWS], w["emb_norm"], eps)
    positions = np.arange(n, dtype=np.float64)
    for i in range(cfg["layers"]):
        p = f"l{i}."
        theta = cfg["rope_global"] if i % cfg["global_every"] == 0 else cfg["rope_local"]
        hn = x if i == 0 else np_ln_nobias(x, w[p + "attn_norm"], eps)
        qkv = (hn @ w[p + "wqkv"]).reshape(n, 3, h, hd)
        q, k, v = (qkv[:, j].transpose(1, 0, 2) for j in range(3))
        q, k = np_rope(q, positions, theta), np_rope(k, positions, theta)
        ctx = (softmax(q @ k.transpose(0, 2, 1) / math.sqrt(hd)) @ v).transpose(1, 0, 2).reshape(n, d)
        x = x + ctx @ w[p + "wo"]
        wi = np_ln_nobias(x, w[p + "mlp_norm"], eps) @ w[p + "wi"]
        inp, gate = wi[:, :f], wi[:, f:]
        x = x + (0.5 * inp * (1.0 + erf(inp / math.sqrt(2.0))) * gate) @ w[p + "mlp_wo"]
    return np_ln_nobias(x, w["final_norm"], eps)


def l2(v):
    return v / np.linalg.norm(v)


def sentence_vector(cfg, w, ids):
    """The pack's pooled, normalised vector for one text's ids, in float64."""
    if cfg["arch"] == "xlmr":
        return l2(forward_xlmr(cfg, w, ids).mean(axis=0))
    if cfg["arch"] == "modernbert":
        return l2(forward_modernbert(cfg, w, ids)[0])
    states = forward_decoder(cfg, w, ids)
    if cfg["arch"] == "qwen3":
        return l2(states[-1])
    return l2(states.mean(axis=0) @ w["dense1"] @ w["dense2"])


# ---------------------------------------------------------------------------------------------
# Packs


def tokenize(tokenizer_path, max_length, texts):
    """Token ids from Hugging Face's Rust tokenizer (npm tokenizers), truncated to max_length."""
    req = json.dumps({"tokenizer": tokenizer_path, "max_length": max_length, "texts": texts})
    out = subprocess.run(["node", os.path.join(HERE, "family-pack", "tokenize.mjs")], input=req.encode(),
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def manifest_for(family, cfg, seed):
    gen = f"scripts/make-family-pack.py --family {family} --seed {seed}"
    m = {
        "name": "instructd/test-" + family,
        "semantic": False,
        "dimension": cfg["hidden"],
        "max_tokens": cfg["max_tokens"],
        "normalize": True,
        "output_name": "last_hidden_state",
        "document_template": "{document}",
        "instruction_mode": "template",
        "source": "generated: " + gen,
    }
    if cfg["arch"] == "qwen3":
        shape = "Qwen3-Embedding-shaped decoder (2 layers, hidden 32, 4 query / 2 kv heads)"
        m.update(pooling="last", append_token="<|endoftext|>", query_template=QWEN_QUERY,
                 default_instruction=QWEN_INSTRUCTION, tokenizer_type="BPE",
                 matryoshka_dimensions=[8, 16, 32])
        if cfg["fp16"]:
            m.update(model_file="onnx/model_fp16.onnx", variant="fp16")
        else:
            m.update(model_file="onnx/model.onnx", variant="fp32")
    elif cfg["arch"] == "xlmr":
        shape = "XLM-R-shaped encoder (2 layers, hidden 32)"
        m.update(pooling="mean", query_template=E5_QUERY, tokenizer_type="Unigram",
                 default_instruction="Given a web search query, retrieve relevant passages that answer the query",
                 model_file="onnx/model.onnx", variant="fp32")
    elif cfg["arch"] == "modernbert":
        shape = "ModernBERT-shaped encoder (3 layers, hidden 32; Llama-3 BPE tokenizer with a CLS/SEP-style template)"
        m.update(pooling="cls", query_template="{query}", tokenizer_type="BPE", model_file="onnx/model.onnx",
                 variant="fp32")
    else:
        shape = "EmbeddingGemma-shaped bidirectional Gemma3 (2 layers, hidden 32) with in-graph pooling"
        m.update(pooling="none", output_name="sentence_embedding", query_template=GEMMA_QUERY,
                 document_template=GEMMA_DOCUMENT, tokenizer_type="BPE", model_file="onnx/model.onnx",
                 variant="fp32", matryoshka_dimensions=[8, 16, 32])
    m["description"] = (f"TEST PACK WITH RANDOM WEIGHTS - ITS VECTORS CARRY NO MEANING. {shape}, generated by "
                        f"{gen}, for parity and plumbing tests only.")
    return m


def hf_config(cfg):
    """config.json, enough for transformers.js to pick the model class and its inputs."""
    if cfg["arch"] == "qwen3":
        return {"model_type": "qwen3", "architectures": ["Qwen3Model"], "hidden_size": cfg["hidden"],
                "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
                "num_key_value_heads": cfg["kv_heads"], "head_dim": cfg["head_dim"],
                "intermediate_size": cfg["ffn"], "rms_norm_eps": cfg["eps"], "rope_theta": cfg["rope_theta"],
                "vocab_size": 151669, "max_position_embeddings": 32768, "eos_token_id": 151643,
                "bos_token_id": 151643, "use_cache": True}
    if cfg["arch"] == "xlmr":
        return {"model_type": "xlm-roberta", "architectures": ["XLMRobertaModel"], "hidden_size": cfg["hidden"],
                "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
                "intermediate_size": cfg["ffn"], "pad_token_id": cfg["pad"], "type_vocab_size": 1,
                "max_position_embeddings": cfg["max_tokens"] + cfg["pad"] + 1, "layer_norm_eps": cfg["eps"]}
    if cfg["arch"] == "modernbert":
        return {"model_type": "modernbert", "architectures": ["ModernBertModel"], "hidden_size": cfg["hidden"],
                "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
                "intermediate_size": cfg["ffn"], "norm_eps": cfg["eps"], "global_rope_theta": cfg["rope_global"],
                "local_rope_theta": cfg["rope_local"], "global_attn_every_n_layers": cfg["global_every"],
                "vocab_size": 128256, "pad_token_id": 128001, "max_position_embeddings": 8192}
    return {"model_type": "gemma3_text", "architectures": ["Gemma3TextModel"], "hidden_size": cfg["hidden"],
            "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
            "num_key_value_heads": cfg["kv_heads"], "head_dim": cfg["head_dim"], "intermediate_size": cfg["ffn"],
            "rms_norm_eps": cfg["eps"], "vocab_size": 262144, "use_bidirectional_attention": True}


def tokenizer_config(cfg):
    """tokenizer_config.json for transformers.js: the class and the special tokens."""
    base = {"model_max_length": cfg["max_tokens"], "padding_side": "right"}
    if cfg["arch"] == "qwen3":
        return {**base, "tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}
    if cfg["arch"] == "xlmr":
        return {**base, "tokenizer_class": "XLMRobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
                "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
    if cfg["arch"] == "modernbert":
        return {**base, "tokenizer_class": "PreTrainedTokenizerFast", "cls_token": "<|begin_of_text|>",
                "sep_token": "<|end_of_text|>", "pad_token": "<|end_of_text|>"}
    return {**base, "tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>",
            "pad_token": "<pad>", "unk_token": "<unk>"}


def cls_sep_tokenizer(tok):
    """ModernBERT's tokenizer wraps texts as [CLS] $A [SEP]; the Llama-3 stand-in gets that
    template with its begin/end-of-text tokens."""
    ids = {t["content"]: t["id"] for t in tok["added_tokens"]}
    cls, sep = "<|begin_of_text|>", "<|end_of_text|>"
    tok["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": cls, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": sep, "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": cls, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": sep, "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                 {"SpecialToken": {"id": sep, "type_id": 0}}],
        "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in (cls, sep)},
    }
    return tok


def gemma_tokenizer(tok):
    """EmbeddingGemma's tokenizer ends every text with <eos> (Gemma3's adds only <bos>)."""
    pp = tok["post_processor"]
    if pp.get("type") == "TemplateProcessing" and not any("eos" in json.dumps(p) for p in pp["single"]):
        pp["single"] = pp["single"] + [{"SpecialToken": {"id": "<eos>", "type_id": 0}}]
        pp["pair"] = pp["pair"] + [{"SpecialToken": {"id": "<eos>", "type_id": 1}}]
        ids = {t["content"]: t["id"] for t in tok["added_tokens"]}
        pp["special_tokens"]["<eos>"] = {"id": "<eos>", "ids": [ids["<eos>"]], "tokens": ["<eos>"]}
    return tok


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True, choices=sorted(FAMILIES))
    ap.add_argument("--tokenizer", required=True, help="the family's tokenizer.json")
    ap.add_argument("--out", required=True, help="pack directory to (re)create")
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    cfg = FAMILIES[args.family]
    weights = make_weights(cfg, args.seed)
    if cfg.get("fp16"):
        weights = {k: v.astype(np.float16).astype(np.float32) for k, v in weights.items()}
    graph = {"xlmr": xlmr_graph, "modernbert": modernbert_graph}.get(cfg["arch"], decoder_graph)
    model = graph(cfg, weights)
    w64 = {k: v.astype(np.float64) for k, v in weights.items()}
    manifest = manifest_for(args.family, cfg, args.seed)

    out = os.path.abspath(args.out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(out) + "-", dir=parent)
    try:
        with open(args.tokenizer, encoding="utf-8") as f:
            tok = json.load(f)
        if cfg["arch"] == "gemma3":
            tok = gemma_tokenizer(tok)
        elif cfg["arch"] == "modernbert":
            tok = cls_sep_tokenizer(tok)
        tok_path = os.path.join(tmp, "tokenizer.json")
        with open(tok_path, "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False)
        os.makedirs(os.path.join(tmp, "onnx"))
        model_path = os.path.join(tmp, manifest["model_file"])
        files = [manifest["model_file"], "tokenizer.json"]
        if cfg.get("fp16"):
            data = save_external(model, model_path, split_after=TABLE_ROWS * cfg["hidden"] * 2)
            files += ["onnx/" + n for n in data]
        else:
            with open(model_path, "wb") as f:
                f.write(model.SerializeToString())
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(hf_config(cfg), f, indent=2)
        with open(os.path.join(tmp, "tokenizer_config.json"), "w") as f:
            json.dump(tokenizer_config(cfg), f, indent=2)

        cs = cases(manifest)
        mt = cfg["max_tokens"]
        append = manifest.get("append_token")
        all_ids = tokenize(tok_path, mt - 1 if append else mt, [c[3] for c in cs])
        if append:
            eos = next(t["id"] for t in tok["added_tokens"] if t["content"] == append)
            all_ids = [ids if ids and ids[-1] == eos else ids + [eos] for ids in all_ids]
        ref = {"family": args.family, "max_tokens": mt, "cases": []}
        for (name, kind, text, rendered), ids in zip(cs, all_ids):
            vec = sentence_vector(cfg, w64, ids)
            ref["cases"].append({"name": name, "type": kind, "text": text, "input": rendered, "ids": ids,
                                 "vector": [float(f"{x:.9g}") for x in vec]})
        with gzip.GzipFile(os.path.join(tmp, "reference.json.gz"), "wb", mtime=0) as f:
            f.write(json.dumps(ref, ensure_ascii=False).encode())
        manifest["files"] = {n: sha256(os.path.join(tmp, n)) for n in files}
        with open(os.path.join(tmp, "instructd.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"make-family-pack: wrote {out} ({len(ref['cases'])} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
