#!/usr/bin/env python3
"""Builds a short-document corpus from WordNet 3.0 glosses (Debian's wordnet-base).

Usage: make-wordnet-corpus.py WORDNET_DIR OUT.jsonl
Each line: {"_id": "<pos>-<offset>", "title": "<lemmas>", "text": "<gloss>"} (BEIR corpus layout).
"""
import json
import os
import sys


def synsets(path, pos):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  "):  # licence header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            offset, count = fields[0], int(fields[3], 16)
            words = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
            words = [w.split("(")[0] if pos == "adj" else w for w in words]
            yield {"_id": f"{pos}-{offset}", "title": ", ".join(words), "text": gloss.strip()}


def main():
    src, out = sys.argv[1], sys.argv[2]
    tmp = out + ".tmp"
    n = 0
    with open(tmp, "w", encoding="utf-8") as w:
        for pos in ("noun", "verb", "adj", "adv"):
            for doc in synsets(os.path.join(src, "data." + pos), pos):
                w.write(json.dumps(doc, ensure_ascii=False) + "\n")
                n += 1
    os.replace(tmp, out)
    print(f"wrote {n} documents to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
