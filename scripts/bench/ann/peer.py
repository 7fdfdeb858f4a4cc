#!/usr/bin/python3
"""python3-hnswlib peer for scripts/bench-ann.sh: same vectors, same M / ef_construction /
ef, single-threaded. Prints one JSON row (the layout of scripts/bench/ann/bench.go's row)."""
import json
import sys
import time

import hnswlib
import numpy as np


def read_fvecs(path):
    a = np.fromfile(path, dtype=np.int32)
    d = a[0]
    return a.reshape(-1, d + 1)[:, 1:].copy().view(np.float32)


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    base_path, q_path, gt_path, m, efc, efs, k, out = sys.argv[1:9]
    m, efc, k = int(m), int(efc), int(k)
    efs = [int(e) for e in efs.split(",")]
    base = read_fvecs(base_path)
    qs = read_fvecs(q_path)
    gt = np.fromfile(gt_path, dtype=np.int32).reshape(len(qs), k)
    n, dim = base.shape
    before = rss_bytes()
    p = hnswlib.Index(space="ip", dim=int(dim))
    p.init_index(max_elements=n, ef_construction=efc, M=m, random_seed=100)
    p.set_num_threads(1)
    t0 = time.perf_counter()
    p.add_items(base, np.arange(n), num_threads=1)
    build = n / (time.perf_counter() - t0)
    mem = (rss_bytes() - before) / n
    row = {"engine": "python3-hnswlib " + getattr(hnswlib, "__version__", "0.6.2"),
           "build_per_s": build, "bytes_per_vector": mem, "recall": {}, "qps": {}}
    p.set_ef(efs[0])
    p.knn_query(qs[:100], k=k, num_threads=1)  # warm-up
    for ef in efs:
        p.set_ef(ef)
        el = float("inf")
        for _ in range(3):  # best of 3 passes, as bench.go does
            t0 = time.perf_counter()
            labels, _ = p.knn_query(qs, k=k, num_threads=1)
            el = min(el, time.perf_counter() - t0)
        hits = sum(len(set(labels[i].tolist()) & set(gt[i].tolist())) for i in range(len(qs)))
        row["recall"][str(ef)] = hits / (len(qs) * k)
        row["qps"][str(ef)] = len(qs) / el
    with open(out, "w") as f:
        json.dump(row, f)


if __name__ == "__main__":
    main()
