#!/usr/bin/python3
"""Real-text vectors for scripts/bench-ann.sh: WordNet glosses through the first stage of a
model pack (WordPiece tokenizer, word + position + type embeddings, LayerNorm), mean-pooled
and L2-normalised, in numpy. The full 6-layer test-minilm forward pass costs ~200 M MACs per
gloss (about an hour of CPU for 101k glosses on a busy 2-core machine); the embedding stage
keeps the property ANN cares about: texts that share tokens land close together.

usage: textvecs.py PACK_DIR CORPUS_JSONL N Q BASE_FVECS QUERY_FVECS
Every 101st gloss (in corpus order) is a query; the others are base vectors.

The vectors are mean-centred (the base mean is subtracted from base and queries, then they are
renormalised): the embedding stage alone puts every gloss at cosine ~0.97 to the corpus mean
(the [CLS]/[SEP]/position part is shared), which leaves the 10th and 11th neighbours ~6e-5
apart, so recall@10 would measure float noise rather than the index. Centred, the median gap is
~2e-3 against a top-10 spread of ~0.08, like the clustered set.
"""
import importlib.util
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load_tokenizer(repo):
    path = os.path.join(repo, "scripts", "make-test-model.py")
    spec = importlib.util.spec_from_file_location("make_test_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_fvecs(path, vecs):
    v = np.asarray(vecs, dtype=np.float32)
    rec = np.empty((v.shape[0], v.shape[1] + 1), dtype=np.float32)
    rec[:, 0] = np.array([v.shape[1]], dtype=np.int32).view(np.float32)[0]
    rec[:, 1:] = v
    rec.tofile(path + ".part")
    os.replace(path + ".part", path)


def main():
    pack, corpus, n, q, base_out, query_out = sys.argv[1:7]
    n, q = int(n), int(q)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    mod = load_tokenizer(repo)
    tok = mod.BertTokenizer(json.load(open(os.path.join(pack, "tokenizer.json"))))
    manifest = json.load(open(os.path.join(pack, "instructd.json")))
    max_tokens = int(manifest.get("max_tokens", 128))
    w = {i.name: numpy_helper.to_array(i).astype(np.float64)
         for i in onnx.load(os.path.join(pack, "model.onnx")).graph.initializer
         if i.name.startswith("embeddings.")}
    base, queries = [], []
    with open(corpus) as f:
        for i, line in enumerate(f):
            if len(base) >= n and len(queries) >= q:
                break
            is_query = i % 101 == 100
            if (is_query and len(queries) >= q) or (not is_query and len(base) >= n):
                continue
            d = json.loads(line)
            ids = tok.encode((d.get("title", "") + ": " + d["text"]).strip(), max_tokens)
            if isinstance(ids, tuple):
                ids = ids[0]
            ids = np.asarray(ids, dtype=np.int64)
            x = w["embeddings.word"][ids] + w["embeddings.position"][: len(ids)] + w["embeddings.token_type"][0]
            x = mod.layer_norm(x, w["embeddings.ln.gamma"], w["embeddings.ln.beta"])
            v = x.mean(axis=0)
            v /= np.linalg.norm(v)
            (queries if is_query else base).append(v)
    if len(base) < n or len(queries) < q:
        sys.exit(f"textvecs: corpus holds {len(base)} base and {len(queries)} query texts, want {n} and {q}")
    base, queries = np.asarray(base), np.asarray(queries)
    mean = base.mean(axis=0)
    base -= mean
    queries -= mean
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    write_fvecs(base_out, base)
    write_fvecs(query_out, queries)


if __name__ == "__main__":
    main()
