#!/usr/bin/env python3
"""The GPU check: Attune's GPU kernels against a float64 reference and
against PyTorch's attention kernels, on one machine with an NVIDIA GPU,
PyTorch and no LLVM/MLIR.

The kernels come prebuilt (`make gpu-check-build` on any machine: a cubin
embedded in the C launcher, compiled into libattune_gpu_check.so). This
script

1. checks every kernel of bench/gpu/kernels.mlir over a shape matrix against
   a float64 reference computed with torch on the GPU (FlashAttention's rule:
   the error is at most twice that of the same computation in the inputs'
   precision, plus a small floor; rows without a visible key give 0 and LSE
   -inf, never NaN; outputs are poisoned with NaN before each run);
2. times them with CUDA events (medians after warm-up, outputs poisoned
   before each run, inputs rotated among fresh random sets) against torch
   SDPA (flash backend), cuDNN SDPA and FlexAttention (torch.compile);
3. prints the table last.

    python3 bench/gpu/device_check.py --lib build/gpu-check/libattune_gpu_check.so \
        --header build/gpu-check/kernels.h

`--dry-run` runs the reference only: a check of this script. `--cpu` checks
the same kernels compiled for the CPU (attune-compile --target=cpu --shared;
their header has no stream argument) against the same reference: the script
and its reference are checked against the CPU path on any machine.
`--emulated` checks the GPU kernels themselves on any machine: built with
`attune-compile --target=cuda --emulate`, their launcher runs them on the CPU
through the CUDA emulator (its libcuda.so.1 first on LD_LIBRARY_PATH), with
host tensors and a null stream.
"""

import argparse
import ctypes
import math
import re
import statistics
import sys
import time

import torch

F16, BF16 = torch.float16, torch.bfloat16


def window(left, right, sinks=0):
    return (left, right, sinks)


CAUSAL = window(-1, 0)
NONE = None

# name -> what the MLIR function computes (bench/gpu/kernels.mlir).
CASES = {
    "f16_d128": dict(dtype=F16, hq=16, hkv=16, d=128, mask=NONE, lse=True),
    "f16_d128_causal": dict(dtype=F16, hq=16, hkv=16, d=128, mask=CAUSAL,
                            lse=True),
    "bf16_d128_gqa_causal": dict(dtype=BF16, hq=32, hkv=8, d=128,
                                 mask=CAUSAL),
    "bf16_d64_window_sinks": dict(dtype=BF16, hq=8, hkv=8, d=64,
                                  mask=window(128, 0, 4)),
    "f16_d128_sigmoid_causal": dict(dtype=F16, hq=8, hkv=8, d=128,
                                    mask=CAUSAL, sigmoid=True),
    "f16_d128_softcap_alibi": dict(dtype=F16, hq=8, hkv=2, d=128, mask=NONE,
                                   softcap=30.0, alibi=True),
    "bf16_d128_decode_ragged": dict(dtype=BF16, hq=32, hkv=8, d=128,
                                    mask=NONE, ragged=True, lse=True,
                                    q_len=1),
    "f16_d256_causal": dict(dtype=F16, hq=4, hkv=4, d=256, mask=CAUSAL),
    "f16_d64_duo": dict(dtype=F16, hq=4, hkv=4, d=64,
                        head_masks=[window(64, 0, 4), CAUSAL,
                                    window(64, 0, 4), CAUSAL]),
    "f16_d64_bias": dict(dtype=F16, hq=4, hkv=2, d=64, mask=NONE, bias=True,
                         out_dtype=torch.float32),
    "bf16_d64_temperature_gqa": dict(dtype=BF16, hq=8, hkv=2, d=64,
                                     mask=CAUSAL, temperature=True),
    "bf16_d128_block_sparse_gqa": dict(dtype=BF16, hq=8, hkv=2, d=128,
                                       mask=CAUSAL, blocks=(128, 128),
                                       full_blocks=True, list_heads=1,
                                       list_batch=1),
    "f16_d64_sigmoid_block_sparse": dict(dtype=F16, hq=4, hkv=4, d=64,
                                         mask=CAUSAL, sigmoid=True,
                                         blocks=(64, 64)),
    # Hydragen: a prompt shared by every row (the first `prefix` of the
    # keys), per-row suffixes; one kernel per segment and the merge.
    "bf16_d128_hydragen_decode": dict(dtype=BF16, hq=32, hkv=8, d=128,
                                      mask=CAUSAL, lse=True, q_len=1,
                                      prefix=0.9),
    "f16_d64_bias_ragged": dict(dtype=F16, hq=4, hkv=4, d=64, mask=NONE,
                                bias=True, ragged=True),
    # Static shapes; block lists computed at compile time from the region.
    "f16_d64_static_docs": dict(dtype=F16, hq=4, hkv=2, d=64, mask=CAUSAL,
                                document=96, shapes=[(2, 256, 256)]),
}

# Checked again with 5 forced key chunks (split-KV and its merge kernel).
SPLIT_CHECKED = ["f16_d128_causal", "bf16_d128_decode_ragged",
                 "f16_d128_sigmoid_causal", "bf16_d128_block_sparse_gqa"]

# (batch, q_len, kv_len): partial tiles, Lq != Lk both ways, empty keys,
# one tile, many tiles.
SHAPES = [(2, 1, 1), (1, 1, 0), (2, 63, 65), (1, 130, 257), (2, 257, 130),
          (1, 64, 64), (1, 1000, 1000), (1, 333, 2048)]
DECODE_SHAPES = [(3, 1, 1), (4, 1, 700), (2, 1, 4096), (1, 1, 0)]


def parse_header(path):
    """{name: (pointer names, size names)} from the generated header."""
    kernels = {}
    for match in re.finditer(r"^int32_t (\w+)\((.*)\);$", open(path).read(),
                             re.M):
        pointers, sizes = [], []
        for param in match.group(2).split(", "):
            name = param.split()[-1].lstrip("*")
            if param.startswith("int64_t"):
                sizes.append(name)
            elif name != "stream":
                pointers.append(name)
        kernels[match.group(1)] = (pointers, sizes)
    return kernels


def alibi_slopes(h):
    return torch.tensor([2.0 ** (-8.0 * (i + 1) / h) for i in range(h)])


def nonnull(t):
    """`t`, or for an empty tensor a view of a 1-element buffer: kernels
    reject NULL pointers even where there is nothing to read."""
    if t.numel():
        return t
    return torch.empty(1, dtype=t.dtype, device=t.device)[:0].view(t.shape)


def make_inputs(case, b, lq, lk, device, seed):
    g = torch.Generator(device="cpu").manual_seed(seed)
    dt, hq, hkv, d = case["dtype"], case["hq"], case["hkv"], case["d"]

    def randn(*shape):
        return torch.randn(*shape, generator=g).to(device=device, dtype=dt)

    x = dict(q=randn(b, hq, lq, d), k=randn(b, hkv, lk, d),
             v=randn(b, hkv, lk, d))
    if case.get("prefix"):
        # Segment 0 shared by every row, segment 1 per row; the reference
        # reads their concatenation.
        lp = int(lk * case["prefix"])
        for n in "kv":
            x[n + "0"] = randn(1, hkv, lp, d)
            x[n + "1"] = randn(b, hkv, lk - lp, d)
            x[n] = torch.cat([x[n + "0"].expand(b, -1, -1, -1), x[n + "1"]], 2)
    if case.get("alibi"):
        x["alibi_slopes"] = alibi_slopes(hq).to(device)
    if case.get("bias"):
        x["bias"] = randn(b, hq, lq, lk)
    if case.get("temperature"):
        x["temperature"] = (0.5 + torch.rand(1, hq, lq, generator=g)).to(device)
    if case.get("blocks"):
        x.update(block_lists(case, b, lq, lk, g, device))
    if case.get("ragged"):
        lens = torch.randint(0, lk + 1, (b,), generator=g, dtype=torch.int32)
        if b > 1:
            lens[0] = 0  # an empty row
            lens[-1] = lk  # a full one
        x["kv_lengths"] = lens.to(device)
    return {name: nonnull(t) for name, t in x.items()}


def block_lists(case, b, lq, lk, g, device):
    """Random FlexAttention block lists: each key block of each query block
    listed partial (p = 0.5) or full (p = 0.3, when the case has full lists),
    in random order, with a repeated entry and an out-of-range one now and
    then (skipped: lists are sets); slots past the count hold garbage."""
    qbs, kbs = case["blocks"]
    nq, nk = max(1, -(-lq // qbs)), max(1, -(-lk // kbs))
    lb = case.get("list_batch", b)
    lh = case.get("list_heads", case["hq"])
    cap = nk + 2
    lists = {}
    kinds = ["kv"] + (["full_kv"] if case.get("full_blocks") else [])
    for kind in kinds:
        lists[kind + "_num_blocks"] = torch.zeros(lb, lh, nq, dtype=torch.int32)
        lists[kind + "_indices"] = torch.full((lb, lh, nq, cap), 12345,
                                              dtype=torch.int32)
    for bb in range(lb):
        for h in range(lh):
            for qb in range(nq):
                chosen = {"kv": [], "full_kv": []}
                for kb in range(nk):
                    r = torch.rand(1, generator=g).item()
                    if "full_kv" in kinds and r < 0.3:
                        chosen["full_kv"].append(kb)
                    elif r < 0.8:
                        chosen["kv"].append(kb)
                for kind in kinds:
                    entries = chosen[kind]
                    perm = torch.randperm(len(entries), generator=g).tolist()
                    entries = [entries[i] for i in perm]
                    extra = torch.rand(1, generator=g).item()
                    if entries and extra < 0.3:
                        entries.append(entries[0])  # repeated
                    elif extra < 0.5:
                        entries.append(nk + 7)  # out of range
                    n = len(entries)
                    lists[kind + "_num_blocks"][bb, h, qb] = n
                    if n:
                        lists[kind + "_indices"][bb, h, qb, :n] = torch.tensor(
                            entries, dtype=torch.int32)
    return {name: t.to(device) for name, t in lists.items()}


def listed(x, kind, b, hq, lq, lk, qbs, kbs):
    """[b, hq, lq, lk] booleans: key j's block listed for query i's block."""
    counts, indices = x[kind + "_num_blocks"].cpu(), x[kind + "_indices"].cpu()
    nk = max(1, -(-lk // kbs))
    out = torch.zeros(b, hq, lq, lk, dtype=torch.bool)
    for bb in range(b):
        for h in range(hq):
            cb, ch = min(bb, counts.shape[0] - 1), min(h, counts.shape[1] - 1)
            for i in range(0, lq, qbs):
                qb = min(i // qbs, counts.shape[2] - 1)
                n = max(0, min(int(counts[cb, ch, qb]), indices.shape[3]))
                for kb in indices[cb, ch, qb, :n].tolist():
                    if 0 <= kb < nk:
                        out[bb, h, i:i + qbs, kb * kbs:(kb + 1) * kbs] = True
    return out


def head_masks(case):
    masks = case.get("head_masks")
    return masks if masks else [case.get("mask")] * case["hq"]


def reference(case, x, dtype=torch.float64):
    """Output and LSE of the case, computed in `dtype` (float64: the oracle;
    the inputs' dtype: what PyTorch's own arithmetic gives at that
    precision)."""
    q, k, v = (x[n].to(dtype) for n in "qkv")
    b, hq, lq, d = q.shape
    lk = k.shape[2]
    if lk == 0:  # no key at all: zeros, LSE -inf
        return (torch.zeros(b, hq, lq, v.shape[-1], dtype=dtype, device=q.device),
                torch.full((b, hq, lq), float("-inf"), dtype=torch.float64,
                           device=q.device))
    group = hq // k.shape[1]
    k = k.repeat_interleave(group, 1)
    v = v.repeat_interleave(group, 1)
    s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
    s = s.to(torch.float64) if dtype == torch.float64 else s.float()
    dev = q.device
    if case.get("temperature"):
        s = s * x["temperature"].to(s.dtype).unsqueeze(-1)
    if case.get("softcap"):
        c = case["softcap"]
        s = c * torch.tanh(s / c)
    lens = x.get("kv_lengths")
    lens = (lens.to(dev).long().clamp(0, lk) if lens is not None
            else torch.full((b,), lk, device=dev, dtype=torch.long))
    i = torch.arange(lq, device=dev).view(1, 1, lq, 1)
    j = torch.arange(lk, device=dev).view(1, 1, 1, lk)
    diag = i + (lens.view(b, 1, 1, 1) - lq)
    if case.get("alibi"):
        slopes = x["alibi_slopes"].to(s.dtype).view(1, hq, 1, 1)
        s = s - slopes * (diag - j).abs().to(s.dtype)
    if case.get("bias"):
        s = s + x["bias"].to(s.dtype)
    visible = (j < lens.view(b, 1, 1, 1)).expand(b, hq, lq, lk).clone()
    for h, m in enumerate(head_masks(case)):
        if m is None:
            continue
        left, right, sinks = m
        ok = torch.ones_like(visible[:, h])
        if right >= 0:
            ok &= (j <= diag + right)[:, 0]
        if left >= 0:
            ok &= ((j >= diag - left) | (j < sinks))[:, 0]
        visible[:, h] &= ok
    if case.get("document"):  # mask_mod: same document of `document` tokens
        n = case["document"]
        visible &= (i // n == j // n).expand(b, hq, lq, lk)
    if case.get("blocks"):
        # Full blocks: visible whatever the mask (keys past Lk aside);
        # partial blocks: the mask; unlisted: hidden.
        qbs, kbs = case["blocks"]
        partial = listed(x, "kv", b, hq, lq, lk, qbs, kbs).to(dev)
        in_range = (j < lens.view(b, 1, 1, 1)).expand(b, hq, lq, lk)
        visible = visible & partial
        if case.get("full_blocks"):
            full = listed(x, "full_kv", b, hq, lq, lk, qbs, kbs).to(dev)
            visible = visible | (full & in_range)
    if case.get("sigmoid"):
        bias = -torch.log(lens.to(s.dtype).clamp(min=1)).view(b, 1, 1, 1)
        p = torch.sigmoid(s + bias) * visible
        out = p.to(v.dtype) @ v
        return out, None
    s = s.masked_fill(~visible, float("-inf"))
    m = s.amax(-1, keepdim=True)
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    p = torch.exp(s - m)
    l = p.sum(-1, keepdim=True)
    out = (p.to(v.dtype) @ v) / torch.where(l == 0, torch.ones_like(l),
                                            l).to(v.dtype)
    lse = torch.where(l == 0, torch.full_like(l, float("-inf")),
                      m + torch.log(l)).squeeze(-1)
    return out, lse


class Attune:
    """The launcher's C functions through ctypes."""

    def __init__(self, lib, header):
        self.lib = ctypes.CDLL(lib)
        self.kernels = parse_header(header)
        self.gpu = "void *stream" in open(header).read()
        for name, (pointers, sizes) in self.kernels.items():
            fn = getattr(self.lib, name)
            fn.argtypes = ([ctypes.c_void_p] * len(pointers) +
                           [ctypes.c_int64] * len(sizes) +
                           ([ctypes.c_void_p] if self.gpu else []))
            fn.restype = ctypes.c_int32

    def prepare(self, name, case, x):
        """Outputs (poisoned with NaN) and a call that runs the kernel."""
        b, hq, lq, _ = x["q"].shape
        lk = x["k"].shape[2]
        out_dtype = case.get("out_dtype", case["dtype"])
        out = torch.full((b, hq, lq, case["d"]), float("nan"),
                         device=x["q"].device, dtype=out_dtype)
        lse = torch.full((b, hq, lq), float("nan"), device=x["q"].device)
        buffers = dict(x, out=nonnull(out), lse=nonnull(lse))
        sizes = dict(batch=b, q_len=lq, kv_len=lk)
        for segment in ("0", "1"):
            if "k" + segment in x:
                sizes["seg" + segment + "_len"] = x["k" + segment].shape[2]
        for kind in ("kv", "full_kv"):
            if kind + "_indices" in x:
                sizes["q_blocks"] = x[kind + "_indices"].shape[2]
                sizes[kind + "_blocks"] = x[kind + "_indices"].shape[3]
        pointers, size_names = self.kernels[name]
        # untyped_storage: an empty tensor's data_ptr() is 0.
        args = [buffers[p].untyped_storage().data_ptr() +
                buffers[p].storage_offset() * buffers[p].element_size()
                for p in pointers]
        args += [sizes[s] for s in size_names]
        fn = getattr(self.lib, name)

        on_gpu = x["q"].device.type == "cuda"

        def run():
            stream = [] if not self.gpu else (
                [torch.cuda.current_stream().cuda_stream] if on_gpu else [None])
            status = fn(*args, *stream)
            if status != 0:
                raise RuntimeError(f"{name}: status {status}")

        return out, lse, run


def check(attune, names, device, dry_run):
    rows, failures = [], 0
    for name in names:
        case = CASES[name]
        shapes = case.get("shapes") or (
            DECODE_SHAPES if case.get("q_len") == 1 else SHAPES)
        for seed, (b, lq, lk) in enumerate(shapes):
            x = make_inputs(case, b, lq, lk, device, seed)
            ref, ref_lse = reference(case, x)
            low, _ = reference(case, x, case["dtype"])
            err_low = (low.double() - ref).abs().max().item() if ref.numel() else 0.0
            if dry_run:
                rows.append((name, (b, lq, lk), float("nan"), err_low, "dry"))
                continue
            out, lse, run = attune.prepare(name, case, x)
            run()
            if device == "cuda":
                torch.cuda.synchronize()
            ok = not torch.isnan(out).any().item()
            err = (out.double() - ref).abs().max().item() if ref.numel() else 0.0
            ok &= err <= 2 * err_low + 1e-3
            if case.get("lse") and ref_lse is not None and ref.numel():
                finite = torch.isfinite(ref_lse)
                ok &= bool((torch.isinf(lse) == ~finite).all().item())
                if finite.any():
                    ok &= (lse[finite].double() - ref_lse[finite]).abs().max().item() < 1e-2
            failures += not ok
            rows.append((name, (b, lq, lk), err, err_low, "ok" if ok else "FAIL"))
    print(f"{'kernel':26} {'B,Lq,Lk':>16} {'err':>10} {'same-prec':>10}  result")
    for name, shape, err, err_low, result in rows:
        print(f"{name:26} {str(shape):>16} {err:10.2e} {err_low:10.2e}  {result}")
    return failures


def median_ms(fn, poison, reps=15, warmup=3):
    """Median of `reps` runs after `warmup` (CUDA events; on the CPU, as with
    --emulated, the wall clock)."""
    on_gpu = torch.cuda.is_available()
    for _ in range(warmup):
        fn()
    if on_gpu:
        torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        poison()
        if not on_gpu:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
            continue
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def time_tilings(tilings, table, device, default, min_len=1024, reps=15):
    """The prefill scenarios again with each other tiling's build of the same
    kernels (`make gpu-check-build` builds them: warps x kv-tile), rows of
    the table after the default's, the baselines copied for the ratio. Each
    build's output is first compared with the default build's (checked
    against float64 before) on the same inputs: a row whose output differs
    by more than f16 / bf16 rounding of the two orders of summation is
    marked MISMATCH (and NaN left by the poisoning shows there too)."""
    import os
    rows = []
    for label, lib in tilings:
        header = os.path.join(os.path.dirname(lib), f"kernels_{label}.h")
        attune = Attune(lib, header)
        for base in table:
            name = base.get("kernel")
            if not name or CASES[name].get("q_len") == 1 or base["lq"] < min_len:
                continue
            case = CASES[name]
            sets = [make_inputs(case, base["b"], base["lq"], base["lk"],
                                device, 100 + i) for i in range(3)]
            runs = [attune.prepare(name, case, x) for x in sets]
            expected, _, run_default = default.prepare(name, case, sets[0])
            run_default()
            runs[0][2]()
            if device == "cuda":
                torch.cuda.synchronize()
            diff = (runs[0][0].float() - expected.float()).abs().max().item()
            scale = expected.float().abs().max().item()
            agrees = diff <= 1e-2 * max(1.0, scale)  # False for NaN
            del expected
            turn = [0]

            def rotate():
                turn[0] = (turn[0] + 1) % len(sets)

            mark = "" if agrees else "MISMATCH "
            row = dict(base, label=f"  {mark}{label}: {base['label']}"[:38])
            if not agrees:
                print(f"{label} {name}: output differs from the default "
                      f"build's by {diff:.3g} (max |out| {scale:.3g})")
            row["attune"] = median_ms(
                lambda: runs[turn[0]][2](),
                lambda: (rotate(), runs[turn[0]][0].fill_(float("nan"))),
                reps=reps)
            rows.append(row)
            del sets, runs
            if device == "cuda":
                torch.cuda.empty_cache()
    return rows


def time_all(attune, device, dry_run):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    F = torch.nn.functional
    try:
        from torch.nn.attention.flex_attention import (create_block_mask,
                                                       flex_attention)
        flex = torch.compile(flex_attention, dynamic=False)
    except Exception as e:  # noqa: BLE001
        print(f"FlexAttention unavailable: {e}")
        flex = None
    # (label, kernel, B, Lq, Lk, causal)
    scenarios = [
        ("prefill f16 D=128 L=4096", "f16_d128", 4, 4096, 4096, False),
        ("prefill f16 D=128 L=4096 causal", "f16_d128_causal", 4, 4096, 4096, True),
        ("prefill bf16 GQA 32/8 L=4096 causal", "bf16_d128_gqa_causal", 2, 4096, 4096, True),
        ("sigmoid f16 D=128 L=4096 causal", "f16_d128_sigmoid_causal", 4, 4096, 4096, True),
        ("window 128+4 bf16 D=64 L=16K", "bf16_d64_window_sinks", 1, 16384, 16384, True),
        ("decode bf16 GQA 32/8 Lk=8192 B=8", "bf16_d128_decode_ragged", 8, 1, 8192, False),
        ("Hydragen decode bf16 shared 7372 + 820, B=16", "bf16_d128_hydragen_decode", 16, 1, 8192, False),
    ]
    table = []
    for label, name, b, lq, lk, causal in scenarios:
        case = CASES[name]
        sets = [make_inputs(case, b, lq, lk, device, 100 + i) for i in range(3)]
        if "kv_lengths" in sets[0]:
            for x in sets:
                x["kv_lengths"].fill_(lk)
        hq, d = case["hq"], case["d"]
        flops = 4.0 * b * hq * lq * lk * d * (0.5 if causal and lq == lk else 1.0)
        if case["mask"] and case["mask"][0] >= 0:  # window: visible keys
            flops = 4.0 * b * hq * lq * min(lk, case["mask"][0] + 1 + case["mask"][2]) * d
        result = dict(label=label, flops=flops, kernel=name, b=b, lq=lq,
                      lk=lk)
        turn = [0]

        def rotate():
            turn[0] = (turn[0] + 1) % len(sets)
            return sets[turn[0]]

        if not dry_run:
            runs = [attune.prepare(name, case, x) for x in sets]
            result["attune"] = median_ms(
                lambda: runs[turn[0]][2](),
                lambda: (rotate(), runs[turn[0]][0].fill_(float("nan"))))
        gqa = case["hq"] != case["hkv"]
        out = torch.empty_like(sets[0]["q"])
        plain = case["mask"] in (None, CAUSAL) and not case.get("sigmoid")
        for backend, key in ((SDPBackend.FLASH_ATTENTION, "flash"),
                             (SDPBackend.CUDNN_ATTENTION, "cudnn")):
            if not plain or device == "cpu":
                continue
            try:
                def sdpa():
                    x = sets[turn[0]]
                    with sdpa_kernel(backend):
                        out.copy_(F.scaled_dot_product_attention(
                            x["q"], x["k"], x["v"], is_causal=causal and lq > 1,
                            enable_gqa=gqa))
                result[key] = median_ms(sdpa, lambda: (rotate(), out.fill_(float("nan"))))
            except Exception as e:  # noqa: BLE001
                result[key] = None
                print(f"{label}: {key} unavailable ({type(e).__name__}: {str(e)[:80]})")
        if flex is not None and plain and device != "cpu":
            try:
                block_mask = None
                if causal and lq > 1:
                    block_mask = create_block_mask(
                        lambda b_, h_, i, j: j <= i + (lk - lq), None, None,
                        lq, lk, device=device)

                def flex_run():
                    x = sets[turn[0]]
                    out.copy_(flex(x["q"], x["k"], x["v"], block_mask=block_mask,
                                   enable_gqa=gqa))
                result["flex"] = median_ms(flex_run, lambda: (rotate(), out.fill_(float("nan"))))
            except Exception as e:  # noqa: BLE001
                result["flex"] = None
                print(f"{label}: flex unavailable ({type(e).__name__}: {str(e)[:80]})")
        table.append(result)
        del sets
        torch.cuda.empty_cache() if device != "cpu" else None
    return table


def print_table(table):
    def fmt(ms):
        return f"{ms:9.3f}" if ms else f"{'n/a':>9}"

    print("\nTimes: medians of 15 runs after 3 warm-up runs (ms); TFLOP/s "
          "counts visible scores only; ratio = flash / attune (> 1: Attune faster)")
    print(f"{'scenario':38} {'attune':>9} {'TFLOP/s':>8} {'flash':>9} "
          f"{'cudnn':>9} {'flex':>9} {'ratio':>6}")
    for r in table:
        a = r.get("attune")
        tflops = r["flops"] / (a * 1e-3) / 1e12 if a else float("nan")
        ratio = r["flash"] / a if a and r.get("flash") else float("nan")
        print(f"{r['label']:38} {fmt(a)} {tflops:8.1f} {fmt(r.get('flash'))} "
              f"{fmt(r.get('cudnn'))} {fmt(r.get('flex'))} {ratio:6.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", default="build/gpu-check/libattune_gpu_check.so")
    parser.add_argument("--header", default="build/gpu-check/kernels.h")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--cpu", action="store_true",
                        help="--lib/--header are the CPU build of the kernels")
    parser.add_argument("--emulated", action="store_true",
                        help="--lib/--header are the GPU kernels built for "
                        "the CUDA emulator (--target=cuda --emulate)")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--tiling", action="append", default=[],
                        metavar="LABEL=LIB",
                        help="also time the prefill scenarios with this "
                        "build of the kernels (another warps / kv-tile); "
                        "its header is kernels_<LABEL>.h beside LIB")
    parser.add_argument("--kernels", default=",".join(CASES))
    parser.add_argument("--list", action="store_true",
                        help="print the kernel names and exit")
    parser.add_argument("--timing-only", action="store_true",
                        help="skip the numerics (run them per kernel first)")
    args = parser.parse_args()
    if args.list:
        print(" ".join(CASES))
        return
    start = time.time()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.cpu or args.emulated:
        device = "cpu"
    elif device == "cpu" and not args.dry_run:
        sys.exit("no CUDA device: run with --dry-run or --cpu")
    attune = None if args.dry_run else Attune(args.lib, args.header)
    if device == "cuda":
        print(torch.cuda.get_device_name(), "torch", torch.__version__)
    kernels = args.kernels.split(",")
    failures = 0
    if not args.timing_only:
        failures = check(attune, kernels, device, args.dry_run)
    split = [k for k in kernels if k in SPLIT_CHECKED]
    if ((device == "cuda" or args.emulated) and not args.dry_run and
            not args.timing_only and split):
        # Split-KV forced where the launcher would not split: 5 key chunks
        # merged by the second kernel.
        import os
        os.environ["ATTUNE_KV_SPLITS"] = "5"
        print("with ATTUNE_KV_SPLITS=5:")
        failures += check(attune, split, device, False)
        del os.environ["ATTUNE_KV_SPLITS"]
    print(f"numerics: {failures} failure(s) ({time.time() - start:.0f} s)")
    if not args.no_timing and device == "cuda":
        table = time_all(attune, device, args.dry_run)
        print_table(table)
        if not args.dry_run and args.tiling:
            try:
                print("\nOther builds (w<warps>k<kv-tile>; wgmma: mma=wgmma, "
                      "_k128: kv-tile 128), prefill:")
                print_table(time_tilings(
                    [t.split("=", 1) for t in args.tiling], table, device,
                    attune))
            except Exception as e:  # noqa: BLE001
                print(f"tilings: {type(e).__name__}: {e}")
    print(f"total {time.time() - start:.0f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
