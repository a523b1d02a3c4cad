#!/usr/bin/env python3
"""Attune's fused CPU kernels against PyTorch's CPU attention, in one process.

    python3 bench/torch_attention.py LIB.so OUT.json [THREADS] [--quick]
        [--filter=SUBSTRING]

LIB.so is bench/kernels/attention.mlir compiled by
`attune-compile --cpu=native --shared` (`make bench` builds it as
build/bench/libattention.so). Needs torch (the pinned one of
models/requirements.txt, in build/export-venv).

On the shapes attune-bench times (prefill B=1, Hq=Hkv=8, D=128; decode B=1,
Lq=1, GQA 32:8, D=128), with the same tensors for every implementation:
  attune_same_process
              the kernel above, called through ctypes on the tensors' storage;
  torch_sdpa  torch.nn.functional.scaled_dot_product_attention (PyTorch picks
              its fused CPU flash kernel for these inputs; enable_gqa for
              decode);
  torch_flex  FlexAttention under torch.compile (Inductor's CPU template),
              causal through a block mask; compiled once per shape, outside
              the timed calls.
Calls are interleaved (one of each implementation per round) and each is
preceded by a pause longer than libomp's and libgomp's spin-wait, so no
runtime's idle threads spin through another's timed call. Reported: the
median of the rounds. Every implementation's output is checked against a
float64 SDPA of the same inputs (where that reference is affordable):
attune's error must stay within 2x PyTorch SDPA's, FlashAttention's rule.

Writes rows <scenario>/<size>/<impl> in Google Benchmark's JSON shape, which
bench/report.py merges into RESULTS.md (section "Against PyTorch's CPU
attention"); the errors ride along as counters.
"""
import ctypes
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.attention.flex_attention import create_block_mask, flex_attention

D = 128
# Longer than libomp's default KMP_BLOCKTIME (200 ms) of spinning after a
# parallel region, and than libgomp's spin count.
PAUSE_S = 0.25
# The float64 reference costs minutes beyond this many score entries.
REFERENCE_LIMIT = 8 * 2048 * 2048


def scenarios(quick):
    lengths = (512, 1024) if quick else (512, 1024, 2048, 4096)
    for dtype in ("f32", "bf16"):
        for causal in (False, True):
            for length in lengths:
                name = "prefill_%s%s" % (dtype, "_causal" if causal else "")
                yield dict(kernel=name, name="%s/L=%d" % (name, length),
                           dtype=dtype, causal=causal, hq=8, hkv=8,
                           lq=length, lk=length)
    for dtype in ("f32", "bf16"):
        for length in ((4096,) if quick else (4096, 16384)):
            yield dict(kernel="decode_" + dtype,
                       name="decode_%s/Lk=%d" % (dtype, length), dtype=dtype,
                       causal=False, hq=32, hkv=8, lq=1, lk=length)


def attune_call(lib, case):
    fn = getattr(lib, case["kernel"])
    fn.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int64] * 3
    fn.restype = ctypes.c_int32

    def call(q, k, v, out):
        status = fn(q.data_ptr(), k.data_ptr(), v.data_ptr(), out.data_ptr(),
                    1, case["lq"], case["lk"])
        if status != 0:
            raise RuntimeError("%s returned status %d" % (case["kernel"], status))
        return out
    return call


def causal_mask(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def torch_impls(case):
    gqa = case["hq"] != case["hkv"]
    sdpa = lambda q, k, v, out: F.scaled_dot_product_attention(  # noqa: E731
        q, k, v, is_causal=case["causal"], enable_gqa=gqa)
    block_mask = None
    if case["causal"]:
        block_mask = create_block_mask(causal_mask, None, None, case["lq"],
                                       case["lk"], device="cpu")
    torch._dynamo.reset()  # one shape per compile, never the eager fallback
    compiled = torch.compile(flex_attention, dynamic=False)
    flex = lambda q, k, v, out: compiled(  # noqa: E731
        q, k, v, block_mask=block_mask, enable_gqa=gqa)
    return {"torch_sdpa": sdpa, "torch_flex": flex}


def max_error(got, ref):
    return (got.double() - ref).abs().max().item()


def run_case(lib, case, rounds):
    dtype = torch.float32 if case["dtype"] == "f32" else torch.bfloat16
    gen = torch.Generator().manual_seed(0)
    def tensor(heads, length):
        return torch.randn(1, heads, length, D, generator=gen).to(dtype)
    q, k, v = tensor(case["hq"], case["lq"]), tensor(case["hkv"], case["lk"]), \
        tensor(case["hkv"], case["lk"])
    out = torch.empty(1, case["hq"], case["lq"], D, dtype=dtype)
    impls = {"attune_same_process": attune_call(lib, case)}
    impls.update(torch_impls(case))

    errors = {}
    with torch.no_grad():
        ref = None
        if case["hq"] * case["lq"] * case["lk"] <= REFERENCE_LIMIT:
            ref = F.scaled_dot_product_attention(
                q.double(), k.double(), v.double(), is_causal=case["causal"],
                enable_gqa=case["hq"] != case["hkv"])
        for name, fn in impls.items():
            out.fill_(float("nan"))  # poison: a kernel that skips rows shows
            result = fn(q, k, v, out)  # also the warm-up (and flex's compile)
            if ref is not None:
                errors[name] = max_error(result, ref)
            elif not torch.isfinite(result).all():
                errors[name] = math.inf

        times = {name: [] for name in impls}
        for _ in range(rounds):
            for name, fn in impls.items():
                time.sleep(PAUSE_S)
                start = time.perf_counter()
                fn(q, k, v, out)
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(t) for name, t in times.items()}, errors


def record(runs, case, impl, ms, error):
    row = {"name": "%s/%s" % (case["name"], impl),
           "run_name": "%s/%s" % (case["name"], impl), "run_type": "iteration",
           "real_time": ms, "time_unit": "ms", "same_process": 1}
    if error is not None:
        row["max_error"] = error
    runs.append(row)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    only = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--filter=")]
    lib_path, out_path = args[0], args[1]
    threads = int(args[2]) if len(args) > 2 else 2
    torch.set_num_threads(threads)
    lib = ctypes.CDLL(lib_path)
    runs, failures = [], []
    for case in scenarios(quick):
        if only and only[0] not in case["name"]:
            continue
        rounds = 5 if case["lq"] * case["lk"] >= 2048 * 2048 else 9
        medians, errors = run_case(lib, case, rounds)
        for impl, ms in medians.items():
            record(runs, case, impl, ms, errors.get(impl))
        line = "  ".join("%s %.3f ms" % (i, ms) for i, ms in medians.items())
        if errors:
            line += "  | max err " + " ".join(
                "%s %.2e" % (i, e) for i, e in errors.items())
        print(case["name"], line, flush=True)
        ours, theirs = errors.get("attune_same_process"), errors.get("torch_sdpa")
        if ours is not None and theirs is not None and not ours <= 2 * theirs + 1e-6:
            failures.append(case["name"])
    with open(out_path, "w") as f:
        json.dump({"context": {"torch": torch.__version__, "threads": threads},
                   "benchmarks": runs}, f, indent=1)
    if failures:
        print("attune's error above 2x PyTorch SDPA's on: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
