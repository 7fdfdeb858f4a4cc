#!/usr/bin/env python3
"""Generates the reranker test packs: a cross-encoder and a Qwen3-shaped LLM reranker, seeded random weights.

Usage:
  make-reranker-pack.py cross-encoder --tokenizer TOKENIZER.json --out DIR [--seed N]
  make-reranker-pack.py qwen3 --tokenizer TOKENIZER.json --out DIR [--seed N]
  make-reranker-pack.py xlmr --tokenizer TOKENIZER.json --out DIR [--seed N]

cross-encoder: a MiniLM-shaped BERT sequence-classification model (the test-minilm encoder of
make-test-model.py, plus BERT's pooler, dense + tanh over [CLS], and a one-logit classifier).
Inputs input_ids, attention_mask, token_type_ids; output logits [batch, 1]; the manifest scores
with sigmoid. reference.json holds pairs, their pair-template ids (LongestFirst truncation, as
Hugging Face tokenizers does) and logits from an independent float64 numpy forward pass.

qwen3: see make-family-pack.py's decoder; a tiny Qwen3-shaped causal LM with an lm_head over the
whole Qwen3 vocabulary, scored by softmax over the "yes"/"no" logits at the last position.

xlmr: an XLM-R-shaped sequence-classification cross-encoder (bge-reranker-v2-m3's shape): the XLM-R
encoder of make-family-pack.py (imported, not copied) plus RobertaClassificationHead, dense + tanh
on the <s> state and out_proj to one logit. Inputs input_ids and attention_mask only (XLM-R
exports have no token_type_ids; the graph feeds the encoder zeros); output logits [batch, 1];
the manifest scores with sigmoid. reference.json holds pairs, their ids from Hugging Face's Rust
tokenizer (pair template <s> A </s></s> B </s>, LongestFirst truncation; node + npm tokenizers,
scripts/rerank/pair-ids.mjs) and logits from an independent float64 numpy forward pass.

THE SCORES CARRY NO MEANING: the weights are random. Deterministic for a given seed.
"""
import argparse
import importlib.util
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

HERE = os.path.dirname(os.path.abspath(__file__))


def load_script(name):
    """Imports scripts/<name>.py (hyphenated, so not importable by name) as a module."""
    path = os.path.join(HERE, name + ".py")
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mtm = load_script("make-test-model")

CROSS_PRESET = "test-minilm"
RERANK_INSTRUCTION = "Given a query, judge whether the passage answers it"

# Qwen3-Reranker's published prompt (model card), with instructd's placeholders.
QWEN3_PROMPT = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
    "Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
    "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
    "<|im_start|>assistant\n<think>\n\n</think>\n\n"
)
QWEN3_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"

PAIRS = [
    ("boiling_point", "what is the boiling point of water at high altitude",
     "At high altitude the air pressure is lower, so water boils below 100 degrees Celsius."),
    ("unrelated", "what is the boiling point of water at high altitude",
     "The quick brown fox jumps over the lazy dog."),
    ("accents_cjk", "Café déjà vu", "東京は日本の首都です。北京是中国的首都。"),
    ("punctuation", "e-mail: a.b@c.io?", "Hello, world!! (x=y+z) \"quoted\" 'single'"),
    ("short", "cats", "dogs"),
    ("long_document", "retrieval and indexing", mtm.LONG_TEXT),
    ("both_long", mtm.LONG_TEXT, mtm.LONG_TEXT[::-1]),
]


# ---------------------------------------------------------------------------------------------
# Cross-encoder


def pair_ids(tok, first, second, max_tokens):
    """[CLS] a [SEP] b [SEP] with type ids 0…0 1…1, truncated LongestFirst as HF tokenizers does."""
    def words(text):
        ids = []
        for w in tok.pre_tokenize(tok.normalize(text)):
            ids.extend(tok.wordpiece(w))
        return ids
    a, b = words(first), words(second)
    target = max_tokens - 3
    if len(a) + len(b) > target:
        n1, n2, swap = len(a), len(b), False
        if n1 > n2:
            n1, n2, swap = n2, n1, True
        n2 = n1 if n1 > target else max(n1, target - n1)
        if n1 + n2 > target:
            n1 = target // 2
            n2 = n1 + target % 2
        if swap:
            n1, n2 = n2, n1
        a, b = a[:n1], b[:n2]
    ids = [tok.cls] + a + [tok.sep] + b + [tok.sep]
    types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    return ids, types


def cross_weights(cfg, vocab_size, seed):
    w = mtm.make_weights(cfg, vocab_size, seed)
    rng = np.random.default_rng(seed + 1)
    d = cfg["hidden"]
    w["pooler.weight"] = (rng.standard_normal((d, d)) * 0.05).astype(np.float32)
    w["pooler.bias"] = (rng.standard_normal(d) * 0.05).astype(np.float32)
    w["classifier.weight"] = (rng.standard_normal((d, 1)) * 0.5).astype(np.float32)
    w["classifier.bias"] = np.array([0.1], dtype=np.float32)
    return w


def cross_onnx(cfg, weights):
    """make-test-model's encoder graph with BERT's pooler and a one-logit classifier on top."""
    enc = {k: v for k, v in weights.items() if not k.startswith(("pooler.", "classifier."))}
    model = mtm.build_onnx(cfg, enc)
    g = model.graph
    for name in ("pooler.weight", "pooler.bias", "classifier.weight", "classifier.bias"):
        g.initializer.append(numpy_helper.from_array(weights[name], name))
    g.initializer.append(numpy_helper.from_array(np.array(0, dtype=np.int64), "c.cls_index"))
    g.node.extend([
        helper.make_node("Gather", ["last_hidden_state", "c.cls_index"], ["cls_state"], axis=1, name="cls"),
        helper.make_node("MatMul", ["cls_state", "pooler.weight"], ["pooler_mm"], name="pooler_mm"),
        helper.make_node("Add", ["pooler_mm", "pooler.bias"], ["pooler_pre"], name="pooler_add"),
        helper.make_node("Tanh", ["pooler_pre"], ["pooled"], name="pooler_tanh"),
        helper.make_node("MatMul", ["pooled", "classifier.weight"], ["cls_mm"], name="classifier_mm"),
        helper.make_node("Add", ["cls_mm", "classifier.bias"], ["logits"], name="classifier_add"),
    ])
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1]))
    model.doc_string = "instructd test pack: BERT cross-encoder with seeded RANDOM weights; scores carry no meaning"
    onnx.checker.check_model(model, full_check=True)
    return model


def cross_forward(cfg, w64, ids, types):
    """The logit of one unpadded pair, float64, written from the BERT equations."""
    d, h = cfg["hidden"], cfg["heads"]
    dh = d // h
    n = len(ids)
    x = w64["embeddings.word"][ids] + w64["embeddings.position"][:n] + w64["embeddings.token_type"][types]
    x = mtm.layer_norm(x, w64["embeddings.ln.gamma"], w64["embeddings.ln.beta"])
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
        x = mtm.layer_norm(x + proj(ctx, "attn.o"), w64[f"{p}.attn.ln.gamma"], w64[f"{p}.attn.ln.beta"])
        hid = proj(x, "ffn.in")
        gelu = 0.5 * hid * (1.0 + mtm.erf(hid / math.sqrt(2.0)))
        x = mtm.layer_norm(x + proj(gelu, "ffn.out"), w64[f"{p}.ffn.ln.gamma"], w64[f"{p}.ffn.ln.beta"])
    pooled = np.tanh(x[0] @ w64["pooler.weight"] + w64["pooler.bias"])
    return float((pooled @ w64["classifier.weight"] + w64["classifier.bias"])[0])


def make_cross(args):
    cfg = mtm.PRESETS[CROSS_PRESET]
    with open(args.tokenizer, encoding="utf-8") as f:
        tok_json = json.load(f)
    tok = mtm.BertTokenizer(tok_json)
    vocab_size = max(tok.vocab.values()) + 1
    for t in tok_json.get("added_tokens", []):
        vocab_size = max(vocab_size, t["id"] + 1)
    weights = cross_weights(cfg, vocab_size, args.seed)
    model = cross_onnx(cfg, weights)
    w64 = {k: v.astype(np.float64) for k, v in weights.items()}
    mt = cfg["max_tokens"]
    cases = []
    for name, query, doc in PAIRS:
        ids, types = pair_ids(tok, query, doc, mt)
        logit = cross_forward(cfg, w64, np.array(ids), np.array(types))
        cases.append({"name": name, "query": query, "document": doc, "input_ids": ids,
                      "token_type_ids": types, "logit": float(f"{logit:.9g}"),
                      "score": float(f"{1 / (1 + math.exp(-logit)):.9g}")})
    manifest = {
        "name": "instructd/test-reranker",
        "description": ("TEST PACK WITH RANDOM WEIGHTS - ITS SCORES CARRY NO MEANING. MiniLM-shaped BERT "
                        f"cross-encoder ({cfg['layers']} layers, hidden {cfg['hidden']}, pooler, one-logit head) "
                        f"generated by scripts/make-reranker-pack.py cross-encoder --seed {args.seed}."),
        "kind": "reranker",
        "semantic": False,
        "dimension": 1,
        "max_tokens": mt,
        "pooling": "none",
        "normalize": False,
        "output_name": "logits",
        "query_template": "{query}",
        "document_template": "{document}",
        "source": f"generated: scripts/make-reranker-pack.py cross-encoder --seed {args.seed}",
        "rerank": {"scoring": "sigmoid"},
    }
    write_pack(args.out, model, args.tokenizer, manifest, {"max_tokens": mt, "cases": cases})


# ---------------------------------------------------------------------------------------------
# Qwen3-shaped LLM reranker


QWEN3_MAX_TOKENS = 128
QWEN3_CASES = [
    ("relevant", QWEN3_INSTRUCTION, "what is the capital of China?", "The capital of China is Beijing."),
    ("irrelevant", QWEN3_INSTRUCTION, "what is the capital of China?", "Gravity is a force that attracts two bodies."),
    ("custom_instruction", "Judge whether the passage is about food", "pizza", "I love pizza 🍕 and coffee ☕"),
    ("empty_instruction", "", "cats", "dogs"),
    ("long_document", QWEN3_INSTRUCTION, "retrieval", mtm.LONG_TEXT),
]


def render(template, instruction, query):
    """embed.RenderQuery for the prompt head: an empty instruction drops its placeholder and
    the whitespace after it."""
    if instruction == "":
        i = template.index("{instruction}")
        rest = template[i + len("{instruction}"):]
        template = template[:i] + rest.lstrip()
    return template.replace("{instruction}", instruction).replace("{query}", query)


def make_qwen3(args):
    """A Qwen3-shaped causal LM: make-family-pack.py's tiny qwen3 decoder (past_key_values,
    position_ids) with an lm_head over the whole vocabulary. Like the embedding table, the
    lm_head stores 4096 random rows and row v is table[v mod 4096], so the pack stays small
    while logits are [batch, length, vocabulary] as in the real export."""
    fam = load_script("make-family-pack")
    cfg = dict(fam.FAMILIES["qwen3"], max_tokens=QWEN3_MAX_TOKENS)
    with open(args.tokenizer, encoding="utf-8") as f:
        tok_json = json.load(f)
    vocab = max(tok_json["model"]["vocab"].values()) + 1
    for t in tok_json.get("added_tokens", []):
        vocab = max(vocab, t["id"] + 1)
    weights = fam.make_weights(cfg, args.seed)
    rng = np.random.default_rng(args.seed + 2)
    lm_head = (rng.standard_normal((fam.TABLE_ROWS, cfg["hidden"])) * 0.5).astype(np.float32)
    model = fam.decoder_graph(cfg, weights)
    g = model.graph
    g.initializer.extend([
        numpy_helper.from_array(lm_head, "lm_head.table"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "c.lm_zero"),
        numpy_helper.from_array(np.array(vocab, dtype=np.int64), "c.lm_vocab"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "c.lm_one"),
        numpy_helper.from_array(np.array(fam.TABLE_ROWS, dtype=np.int64), "c.lm_rows"),
    ])
    g.node.extend([
        helper.make_node("Range", ["c.lm_zero", "c.lm_vocab", "c.lm_one"], ["lm_ids"], name="lm_range"),
        helper.make_node("Mod", ["lm_ids", "c.lm_rows"], ["lm_rows"], name="lm_mod"),
        helper.make_node("Gather", ["lm_head.table", "lm_rows"], ["lm_weight"], axis=0, name="lm_gather"),
        helper.make_node("Transpose", ["lm_weight"], ["lm_weight_t"], perm=[1, 0], name="lm_transpose"),
        helper.make_node("MatMul", ["last_hidden_state", "lm_weight_t"], ["logits"], name="lm_head"),
    ])
    outs = [o for o in g.output if o.name != "last_hidden_state"]
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", vocab]))
    g.output.extend(outs)
    model.doc_string = "instructd test pack: Qwen3-shaped causal LM reranker with seeded RANDOM weights"
    onnx.checker.check_model(model, full_check=True)

    prompt_head, prompt_tail = QWEN3_PROMPT.split("{document}")
    texts = [render(prompt_head, inst, q) + d for _, inst, q, d in QWEN3_CASES] + [prompt_tail, "yes", "no"]
    ids = fam.tokenize(os.path.abspath(args.tokenizer), 100000, texts)
    tail, (yes,), (no,) = ids[-3], ids[-2], ids[-1]
    w64 = {k: v.astype(np.float64) for k, v in weights.items()}
    cases = []
    for (name, inst, query, doc), body in zip(QWEN3_CASES, ids):
        full = body[:QWEN3_MAX_TOKENS - len(tail)] + tail
        x = fam.forward_decoder(cfg, w64, full)[-1]
        y, n = x @ lm_head[yes % fam.TABLE_ROWS].astype(np.float64), x @ lm_head[no % fam.TABLE_ROWS].astype(np.float64)
        score = 1 / (1 + math.exp(n - y))
        cases.append({"name": name, "instruction": inst, "query": query, "document": doc, "input_ids": full,
                      "yes_logit": float(f"{y:.9g}"), "no_logit": float(f"{n:.9g}"), "score": float(f"{score:.9g}")})
    manifest = {
        "name": "instructd/test-qwen3-reranker",
        "description": ("TEST PACK WITH RANDOM WEIGHTS - ITS SCORES CARRY NO MEANING. Qwen3-shaped causal LM "
                        f"({cfg['layers']} layers, hidden {cfg['hidden']}, lm_head over {vocab} tokens) scored by "
                        f"yes/no at the last position; scripts/make-reranker-pack.py qwen3 --seed {args.seed}."),
        "kind": "reranker",
        "semantic": False,
        "dimension": vocab,
        "max_tokens": QWEN3_MAX_TOKENS,
        "pooling": "last",
        "normalize": False,
        "output_name": "logits",
        "query_template": "{query}",
        "document_template": "{document}",
        "default_instruction": QWEN3_INSTRUCTION,
        "source": f"generated: scripts/make-reranker-pack.py qwen3 --seed {args.seed}",
        "rerank": {"scoring": "yes_no", "prompt": QWEN3_PROMPT, "yes_token": "yes", "no_token": "no"},
    }
    write_pack(args.out, model, args.tokenizer, manifest,
               {"max_tokens": QWEN3_MAX_TOKENS, "yes_id": yes, "no_id": no, "tail_ids": tail, "cases": cases})


# ---------------------------------------------------------------------------------------------
# XLM-R-shaped cross-encoder (bge-reranker-v2-m3)


XLMR_MAX_TOKENS = 64


def pair_ids_hf(tokenizer, max_tokens, pairs):
    """Ids and type ids of each (first, second) from Hugging Face's Rust tokenizer."""
    req = json.dumps({"tokenizer": os.path.abspath(tokenizer), "max_length": max_tokens,
                      "pairs": [[a, b] for a, b in pairs]})
    out = subprocess.run(["node", os.path.join(HERE, "rerank", "pair-ids.mjs")], input=req.encode(),
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def xlmr_onnx(fam, cfg, weights):
    """make-family-pack's XLM-R encoder graph without the token_type_ids input (zeros fed
    inside), with RobertaClassificationHead on top: logits = out_proj(tanh(dense(h[:, 0])))."""
    enc = {k: v for k, v in weights.items() if not k.startswith("head.")}
    model = fam.xlmr_graph(cfg, enc)
    g = model.graph
    kept = [i for i in g.input if i.name != "token_type_ids"]
    del g.input[:]
    g.input.extend(kept)
    zeros = [
        helper.make_node("Shape", ["input_ids"], ["ids_shape"], name="type_shape"),
        helper.make_node("ConstantOfShape", ["ids_shape"], ["token_type_ids"], name="type_zeros",
                         value=helper.make_tensor("zero", TensorProto.INT64, [1], [0])),
    ]
    nodes = zeros + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    for name in ("head.dense.w", "head.dense.b", "head.out.w", "head.out.b"):
        g.initializer.append(numpy_helper.from_array(weights[name], name))
    g.initializer.append(numpy_helper.from_array(np.array(0, dtype=np.int64), "c.bos_index"))
    g.node.extend([
        helper.make_node("Gather", ["last_hidden_state", "c.bos_index"], ["bos_state"], axis=1, name="head_bos"),
        helper.make_node("MatMul", ["bos_state", "head.dense.w"], ["head_mm"], name="head_dense_mm"),
        helper.make_node("Add", ["head_mm", "head.dense.b"], ["head_pre"], name="head_dense_add"),
        helper.make_node("Tanh", ["head_pre"], ["head_act"], name="head_tanh"),
        helper.make_node("MatMul", ["head_act", "head.out.w"], ["out_mm"], name="head_out_mm"),
        helper.make_node("Add", ["out_mm", "head.out.b"], ["logits"], name="head_out_add"),
    ])
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 1]))
    model.doc_string = "instructd test pack: XLM-R cross-encoder with seeded RANDOM weights; scores carry no meaning"
    onnx.checker.check_model(model, full_check=True)
    return model


def make_xlmr(args):
    fam = load_script("make-family-pack")
    cfg = dict(fam.FAMILIES["xlmr"], max_tokens=XLMR_MAX_TOKENS)
    weights = fam.make_weights(cfg, args.seed)
    rng = np.random.default_rng(args.seed + 3)
    d = cfg["hidden"]
    weights["head.dense.w"] = (rng.standard_normal((d, d)) * 0.2).astype(np.float32)
    weights["head.dense.b"] = (rng.standard_normal(d) * 0.05).astype(np.float32)
    weights["head.out.w"] = (rng.standard_normal((d, 1)) * 0.5).astype(np.float32)
    weights["head.out.b"] = np.array([0.1], dtype=np.float32)
    model = xlmr_onnx(fam, cfg, weights)
    w64 = {k: v.astype(np.float64) for k, v in weights.items()}
    encs = pair_ids_hf(args.tokenizer, XLMR_MAX_TOKENS, [(q, doc) for _, q, doc in PAIRS])
    cases = []
    for (name, query, doc), enc in zip(PAIRS, encs):
        x = fam.forward_xlmr(cfg, w64, enc["ids"])
        pooled = np.tanh(x[0] @ w64["head.dense.w"] + w64["head.dense.b"])
        logit = float((pooled @ w64["head.out.w"] + w64["head.out.b"])[0])
        cases.append({"name": name, "query": query, "document": doc, "input_ids": enc["ids"],
                      "token_type_ids": enc["type_ids"], "logit": float(f"{logit:.9g}"),
                      "score": float(f"{1 / (1 + math.exp(-logit)):.9g}")})
    gen = f"scripts/make-reranker-pack.py xlmr --seed {args.seed}"
    manifest = {
        "name": "instructd/test-xlmr-reranker",
        "description": ("TEST PACK WITH RANDOM WEIGHTS - ITS SCORES CARRY NO MEANING. XLM-R-shaped cross-encoder "
                        f"({cfg['layers']} layers, hidden {d}, RobertaClassificationHead to one logit; inputs "
                        f"input_ids and attention_mask) generated by {gen}."),
        "kind": "reranker",
        "semantic": False,
        "dimension": 1,
        "max_tokens": XLMR_MAX_TOKENS,
        "pooling": "none",
        "normalize": False,
        "output_name": "logits",
        "query_template": "{query}",
        "document_template": "{document}",
        "tokenizer_type": "Unigram",
        "source": "generated: " + gen,
        "rerank": {"scoring": "sigmoid"},
    }
    write_pack(args.out, model, args.tokenizer, manifest, {"max_tokens": XLMR_MAX_TOKENS, "cases": cases})


# ---------------------------------------------------------------------------------------------


def write_pack(out, model, tokenizer, manifest, reference):
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(out) + "-", dir=parent)
    try:
        with open(os.path.join(tmp, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        shutil.copyfile(tokenizer, os.path.join(tmp, "tokenizer.json"))
        with open(os.path.join(tmp, "reference.json"), "w", encoding="utf-8") as f:
            json.dump(reference, f, ensure_ascii=False, indent=1)
            f.write("\n")
        manifest["files"] = {name: mtm.sha256(os.path.join(tmp, name)) for name in ("model.onnx", "tokenizer.json")}
        with open(os.path.join(tmp, "instructd.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"make-reranker-pack: wrote {out} ({os.path.getsize(os.path.join(out, 'model.onnx')) >> 20} MiB model, "
          f"{len(reference['cases'])} cases)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["cross-encoder", "qwen3", "xlmr"])
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True, help="pack directory to (re)create")
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    {"cross-encoder": make_cross, "qwen3": make_qwen3, "xlmr": make_xlmr}[args.kind](args)


if __name__ == "__main__":
    main()
