#!/usr/bin/env python3
"""PyTorch eager on the benchmark's Llama block, as attune-bench times it.

    python3 bench/torch_block.py OUT.json [THREADS]

Needs torch (scripts/export-models.sh installs the pinned one into
build/export-venv). Builds the block of models/export_llama_block.py at
L = 512, 2048, 8192 with the same seed (hence the same weights as
bench/models/), runs it on the same input under torch.no_grad() with THREADS
intra-op threads (default 2), and writes the median of 5 timed runs per L in
Google Benchmark's JSON shape (llama_block/L=<L>/pytorch_eager), which
bench/report.py merges into RESULTS.md; likewise one decode step over a KV
cache of P = 4096 and 16384 positions (llama_decode/P=<P>/pytorch_eager).
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
import export_llama_block as model  # noqa: E402


def median_ms(fn, runs):
    """The median of `runs` timed calls of fn() after one warm-up, in ms."""
    times = []
    with torch.no_grad():
        fn()
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def record(runs, name, ms):
    runs.append({"name": name, "run_name": name, "run_type": "iteration",
                 "real_time": ms, "time_unit": "ms"})
    print(name, "%.3f ms" % ms)


def main():
    out = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(threads)
    runs = []
    for seq in (512, 2048, 8192):
        torch.manual_seed(0)
        block = model.Block(model.HEADS // 2, True, False, seq).eval()
        x = torch.sin(0.37 * torch.arange(seq * model.HIDDEN, dtype=torch.float32)
                      ).reshape(1, seq, model.HIDDEN)
        record(runs, "llama_block/L=%d/pytorch_eager" % seq, median_ms(lambda: block(x), 5))
    # One decode step over a KV cache of P positions (models/
    # llama_decode_gqa_dynP: the same weights as attune's object).
    for p in (4096, 16384):
        torch.manual_seed(0)
        step = model.DecodeStep(model.HEADS // 2, False, False, dynamic=True).eval()
        x = torch.sin(0.37 * torch.arange(model.HIDDEN, dtype=torch.float32)
                      ).reshape(1, 1, model.HIDDEN)
        n = 2 * (model.HEADS // 2) * p * model.HEAD_DIM
        past = torch.cos(0.11 * torch.arange(n, dtype=torch.float32)).reshape(
            2, 1, model.HEADS // 2, p, model.HEAD_DIM)
        record(runs, "llama_decode/P=%d/pytorch_eager" % p,
               median_ms(lambda: step(x, past), 21))
    with open(out, "w") as f:
        json.dump({"context": {"torch": torch.__version__, "threads": threads},
                   "benchmarks": runs}, f, indent=1)


if __name__ == "__main__":
    main()
