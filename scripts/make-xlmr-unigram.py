#!/usr/bin/env python3
"""Train a small XLM-R-shaped SentencePiece Unigram tokenizer and write its tokenizer.json.

The model is trained with Debian's python3-sentencepiece on WordNet glosses
(testdata/generated/wordnet.jsonl) plus scripts/lib/multilingual.txt, with the nmt_nfkc
normalization rule so the Precompiled charsmap is a real one. The tokenizer.json is laid
out the way transformers' XLMRobertaConverter lays out xlm-roberta / multilingual-e5 /
bge-m3 files: fairseq ids (<s>=0 <pad>=1 </s>=2 <unk>=3, SentencePiece piece i>=3 at
id i+1, <mask> last), normalizer Sequence[Precompiled, Replace(" {2,}" -> " ")],
Metaspace(prepend_scheme "always", split true), TemplateProcessing <s> $A </s>.

Usage: scripts/make-xlmr-unigram.py [--out-model models/test-xlmr/xlmr-unigram.model]
                                    [--out-json embed/testdata/tokenizer/xlmr-unigram.json]
Training is single-threaded over a fixed corpus, so re-running gives the same model.
"""
import argparse
import base64
import json
import os
import sys
import tempfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus_lines(wordnet, limit):
    with open(wordnet, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= limit:
                break
            rec = json.loads(line)
            yield rec["title"]
            yield rec["text"]
    with open(os.path.join(ROOT, "scripts", "lib", "multilingual.txt"), encoding="utf-8") as f:
        ml = [l.strip() for l in f if l.strip()]
    # Repeat the multilingual lines so non-Latin scripts get multi-character pieces.
    for _ in range(20):
        yield from ml


def train(model_prefix, wordnet, limit, vocab_size):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as tmp:
        for line in corpus_lines(wordnet, limit):
            tmp.write(line.replace("\n", " ") + "\n")
        path = tmp.name
    try:
        spm.SentencePieceTrainer.train(
            input=path,
            model_prefix=model_prefix,
            model_type="unigram",
            vocab_size=vocab_size,
            normalization_rule_name="nmt_nfkc",
            character_coverage=1.0,
            num_threads=1,
            shuffle_input_sentence=False,
            input_sentence_size=0,
            minloglevel=2,
        )
    finally:
        os.unlink(path)


def added_token(id_, content, lstrip=False):
    return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip,
            "rstrip": False, "normalized": False, "special": True}


def convert(model_path):
    proto = pb.ModelProto()
    with open(model_path, "rb") as f:
        proto.ParseFromString(f.read())
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p.piece, p.score] for p in proto.pieces[3:]]
    vocab += [["<mask>", 0.0]]
    mask_id = len(vocab) - 1
    charsmap = base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode("ascii")

    def special(tok, type_id=0):
        return {"SpecialToken": {"id": tok, "type_id": type_id}}

    def seq(name, type_id=0):
        return {"Sequence": {"id": name, "type_id": type_id}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(0, "<s>"), added_token(1, "<pad>"), added_token(2, "</s>"),
                         added_token(3, "<unk>"), added_token(mask_id, "<mask>", lstrip=True)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": charsmap},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("<s>"), seq("A"), special("</s>")],
            "pair": [special("<s>"), seq("A"), special("</s>"), special("</s>"), seq("B"), special("</s>")],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet", default=os.path.join(ROOT, "testdata", "generated", "wordnet.jsonl"))
    ap.add_argument("--limit", type=int, default=30000, help="WordNet records to train on")
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--out-model", default=os.path.join(ROOT, "models", "test-xlmr", "xlmr-unigram.model"))
    ap.add_argument("--out-json", default=os.path.join(ROOT, "embed", "testdata", "tokenizer", "xlmr-unigram.json"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.out_model), exist_ok=True)
    prefix = args.out_model[: -len(".model")] if args.out_model.endswith(".model") else args.out_model
    train(prefix, args.wordnet, args.limit, args.vocab_size)
    os.replace(prefix + ".model", args.out_model) if prefix + ".model" != args.out_model else None
    if os.path.exists(prefix + ".vocab"):
        os.unlink(prefix + ".vocab")
    tok = convert(args.out_model)
    with open(args.out_json, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out_model} and {args.out_json} ({os.path.getsize(args.out_json)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
