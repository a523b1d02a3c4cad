#!/usr/bin/env python3
"""Turns attune-bench's JSON into bench/RESULTS.md and plots (gnuplot).

    python3 bench/report.py build/bench.json bench/ "<command that ran it>"

Medians are used when the run had repetitions. Standard library only.
"""
import collections
import json
import os
import shutil
import subprocess
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    context = data["context"]
    rows = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        parts = [p for p in name.split("/") if not p.startswith(("real_time", "iterations:"))]
        group, size, impl = parts[0], parts[1], parts[2]
        # "L=4096" -> 4096; "B=64,P=4096" -> (64, 4096)
        values = tuple(int(kv.split("=")[1]) for kv in size.split(","))
        key = (group, values[0] if len(values) == 1 else values, impl)
        if key in rows and b.get("run_type") != "aggregate":
            continue
        rows[key] = {
            "ms": b["real_time"] if b.get("time_unit") == "ms" else b["real_time"] / 1e6,
            "gflops": b.get("gflops", 0.0),
            "gbps": b.get("gbps", 0.0),
            "peak": b.get("peak_fraction", 0.0),
            "roofline": b.get("roofline_fraction", 0.0),
            "roofline_ms": b.get("roofline_ms", 0.0),
            "max_error": b.get("max_error"),
        }
    return context, rows


def tables(context, rows):
    groups = collections.OrderedDict()
    for (group, size, impl) in rows:
        if group.startswith(("prefill", "decode")):
            groups.setdefault(group, set()).add(size)
    impls = ["attune", "openblas_unfused", "naive"]
    out = []
    for group, sizes in groups.items():
        decode = group.startswith("decode")
        metric, unit = ("gbps", "GB/s") if decode else ("gflops", "GFLOP/s")
        label = "Lk" if decode else "L"
        out.append(f"### {group}\n")
        out.append(f"| {label} | " + " | ".join(
            f"{i} ms | {i} {unit}" for i in impls) +
            " | attune peak fraction | attune / openblas |")
        out.append("|" + "---|" * (2 + 2 * len(impls) + 1))
        for size in sorted(sizes):
            cells = [str(size)]
            for impl in impls:
                r = rows.get((group, size, impl))
                cells += [f"{r['ms']:.2f}", f"{r[metric]:.1f}"] if r else ["-", "-"]
            a, o = rows.get((group, size, "attune")), rows.get((group, size, "openblas_unfused"))
            cells.append(f"{a['peak']:.2f}" if a else "-")
            cells.append(f"{o['ms'] / a['ms']:.2f}x" if a and o else "-")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def targets(context, rows):
    """The fused-CPU issue's targets, checked against this run."""
    def get(group, size, impl):
        return rows.get((group, size, impl))
    out = ["## Targets (fused CPU issue), this run\n",
           "| target | measured | met |", "|---|---|---|"]
    a, o = get("prefill_f32", 4096, "attune"), get("prefill_f32", 4096, "openblas_unfused")
    if a:
        out.append(f"| prefill f32 D=128 L=4096: >= 0.50 of FMA peak (stretch 0.75) | "
                   f"{a['peak']:.2f} | {'yes' if a['peak'] >= 0.5 else 'no'} |")
    if a and o:
        r = o["ms"] / a["ms"]
        out.append(f"| same shape: >= 1.5x openblas_unfused | {r:.2f}x | {'yes' if r >= 1.5 else 'no'} |")
    b = get("prefill_bf16", 4096, "attune")
    if a and b:
        r = a["ms"] / b["ms"]
        amx = float(context.get("amx_bf16_peak_gflops", 0))
        peak = amx or float(context.get("bf16_dot_peak_gflops", 0)) or 1
        unit = "AMX tdpbf16ps" if amx else "vdpbf16ps"
        out.append(f"| prefill bf16 faster than f32 (same shape) | {r:.2f}x f32 "
                   f"({b['gflops'] / peak:.2f} of the {unit} peak) | {'yes' if r > 1 else 'no'} |")
    out.append("| no O(L^2) buffer: L=32768 prefill memory O(L*D) | see test/Integration/CPU/"
               "no-quadratic-memory.test (peak grows by MBs, scores would take 4 GiB) | yes |")
    for dtype in ("f32", "bf16"):
        d = get(f"decode_{dtype}", 16384, "attune")
        if d:
            out.append(f"| decode {dtype} Lk=16K GQA 4:1: >= 0.80 of read bandwidth | {d['peak']:.2f} | "
                       f"{'yes' if d['peak'] >= 0.8 else 'no'} |")
    return "\n".join(out) + "\n"


def variants(rows):
    """The every-variant issue's ratios, attune against itself."""
    def ms(group, size):
        r = rows.get((group, size, "attune"))
        return r["ms"] if r else None
    out = ["## Variants (fused CPU), this run\n",
           "Times of the fused kernel on a variant against the same kernel on plain softmax, "
           "same inputs and shape (f32, B=1, Hq=Hkv=8, D=128).\n",
           "| variant | ms | against | ms | ratio | target | met |", "|---|---|---|---|---|---|---|"]
    dense = ms("blocksparse_f32", 16)
    for k in (1, 2, 4, 8):
        t = ms("blocksparse_f32", k)
        if t and dense:
            target = "<= 0.35" if k == 4 else ""
            met = ("yes" if t / dense <= 0.35 else "no") if k == 4 else ""
            out.append(f"| block-sparse density {k}/16, L=8192 (128x128 blocks) | {t:.1f} | dense (16/16) | "
                       f"{dense:.1f} | {t / dense:.2f}x | {target} | {met} |")
    w, c = ms("window512_f32", 16384), ms("causal_f32", 16384)
    if w and c:
        out.append(f"| sliding window 512, L=16384 | {w:.1f} | dense causal | {c:.1f} | {w / c:.3f}x | | |")
    soft = ms("prefill_f32", 4096)
    sig = ms("sigmoid_f32", 4096)
    if sig and soft:
        out.append(f"| sigmoid, L=4096 | {sig:.1f} | softmax | {soft:.1f} | {soft / sig:.2f}x faster | "
                   f">= 1.10x | {'yes' if soft / sig >= 1.10 else 'no'} |")
    split, nosplit = ms("decode_mqa_split", 65536), ms("decode_mqa_nosplit", 65536)
    if split and nosplit:
        out.append(f"| split-KV decode, MQA 8:1, B=1, Lk=65536 | {split:.2f} | one key chunk | {nosplit:.2f} | "
                   f"{nosplit / split:.2f}x faster | >= 1.8x (issue 4) | {'yes' if nosplit / split >= 1.8 else 'no'} |")
    for name in ("softcap", "alibi"):
        t = ms(f"{name}_f32", 4096)
        if t and soft:
            over = t / soft - 1
            out.append(f"| {name}, L=4096 | {t:.1f} | softmax | {soft:.1f} | {over * 100:+.1f}% | "
                       f"<= +10% | {'yes' if over <= 0.10 else 'no'} |")
    return "\n".join(out) + "\n"


def hydragen(rows):
    """The shared-prefix issue's decode scenarios and targets."""
    groups = sorted({g for (g, _, _) in rows if g.startswith("hydragen")})
    if not groups:
        return ""
    out = ["## Shared-prefix decode (Hydragen), this run\n",
           "One decode step of B sequences sharing a P-key prompt, each with 128 keys of its own; "
           "Hq=32, D=128. `attune_hydragen`: attn.prefix_attention, decomposed (prefix attended once by "
           "the stacked queries of all rows, exact merge). `attune_per_row`: the fused decode kernel per "
           "sequence over its full KV. `openblas_unfused`: the same per sequence on OpenBLAS. Roofline: "
           "max(flops / peak, bytes / bandwidth) of the decomposed problem with the measured peaks "
           "(bf16: the fastest of AMX tiles, vdpbf16ps and f32 FMA), flops = 4 B Hq (P+128) D, bytes = prefix KV once + every "
           "suffix KV + Q + O.\n"]
    def get(group, size, impl):
        return rows.get((group, size, impl))
    t = [("hydragen_f32_hkv32", (64, 4096)), ("hydragen_bf16_hkv32", (64, 4096))]
    out += ["| target (issue 4) | measured | met |", "|---|---|---|"]
    for group, size in t:
        h, r = get(group, size, "attune_hydragen"), get(group, size, "attune_per_row")
        if h and r:
            sp = r["ms"] / h["ms"]
            out.append(f"| {group} B=64 P=4K: hydragen >= 8x attune_per_row | {sp:.1f}x | {'yes' if sp >= 8 else 'no'} |")
            out.append(f"| {group} B=64 P=4K: hydragen >= 0.60 of its roofline bound | {h['roofline']:.2f} "
                       f"({h['ms']:.1f} ms against {h['roofline_ms']:.1f} ms) | {'yes' if h['roofline'] >= 0.6 else 'no'} |")
    out.append("")
    for group in groups:
        out.append(f"### {group}\n")
        out.append("| B | P | hydragen ms | per_row ms | openblas ms | vs per_row | vs openblas | "
                   "roofline ms | hydragen roofline fraction |")
        out.append("|" + "---|" * 9)
        sizes = sorted({s for (g, s, _) in rows if g == group}, key=lambda bp: (bp[1], bp[0]))
        for size in sizes:
            h = get(group, size, "attune_hydragen")
            r = get(group, size, "attune_per_row")
            o = get(group, size, "openblas_unfused")
            cells = [str(size[0]), str(size[1])]
            cells += [f"{x['ms']:.2f}" if x else "-" for x in (h, r, o)]
            cells += [f"{x['ms'] / h['ms']:.1f}x" if x and h else "-" for x in (r, o)]
            cells += [f"{h['roofline_ms']:.2f}" if h else "-", f"{h['roofline']:.2f}" if h else "-"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def plot(context, rows, outdir):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("report.py: gnuplot not found, no plot", file=sys.stderr)
        return []
    datdir = os.path.join(outdir, "plots")
    os.makedirs(datdir, exist_ok=True)
    groups = sorted({g for (g, _, _) in rows if g.startswith(("prefill", "decode"))})
    impls = ["attune", "openblas_unfused", "naive"]
    for group in groups:
        for impl in impls:
            pts = sorted((s, r) for (g, s, i), r in rows.items() if g == group and i == impl)
            with open(os.path.join(datdir, f"{group}.{impl}.dat"), "w") as f:
                for size, r in pts:
                    f.write(f"{size} {r['gflops']} {r['gbps']}\n")
    peak = float(context.get("fma_peak_gflops", 0))
    bw = float(context.get("read_bw_gbps", 0))
    pngs = []
    for kind, col, ylabel, ceiling, name in [
            ("prefill", 2, "GFLOP/s", peak, "measured FMA peak"),
            ("decode", 3, "GB/s", bw, "measured read bandwidth")]:
        kgroups = [g for g in groups if g.startswith(kind)]
        if not kgroups:
            continue
        png = f"{kind}.png"
        cols = 2
        rws = (len(kgroups) + cols - 1) // cols
        top = max([ceiling] + [r["gflops" if kind == "prefill" else "gbps"]
                               for (g, _, _), r in rows.items() if g.startswith(kind)])
        bf16peak = float(context.get("bf16_dot_peak_gflops", 0))
        if kind == "prefill":
            top = max(top, bf16peak)
        script = [f"set terminal pngcairo size {640 * cols},{420 * rws} font ',10' noenhanced",
                  f"set output '{os.path.join(outdir, png)}'",
                  f"set multiplot layout {rws},{cols}",
                  "set logscale x 2", "set key top left", "set grid",
                  f"set xlabel '{'Lk' if kind == 'decode' else 'L'}'",
                  f"set ylabel '{ylabel}'", f"set yrange [0:{top * 1.1:.1f}]"]
        for g in kgroups:
            script.append(f"set title '{g} ({context.get('threads')} threads)'")
            series = [f"'{os.path.join(datdir, f'{g}.{i}.dat')}' using 1:{col} with linespoints title '{i}'"
                      for i in impls
                      if os.path.getsize(os.path.join(datdir, f"{g}.{i}.dat")) > 0]
            series.append(f"{ceiling} with lines dashtype 2 lc rgb 'black' title '{name}'")
            # With AMX the tile peak would flatten the plot: no line then.
            if (kind == "prefill" and "bf16" in g and bf16peak > 0
                    and not float(context.get("amx_bf16_peak_gflops", 0))):
                series.append(f"{bf16peak} with lines dashtype 3 lc rgb 'gray40' "
                              "title 'measured vdpbf16ps peak'")
            script.append("plot " + ", ".join(series))
        script.append("unset multiplot")
        subprocess.run([gnuplot], input="\n".join(script), text=True, check=True)
        pngs.append(png)
    return pngs


def models(rows):
    """The model issue's whole-block timings."""
    sizes = sorted({s for (g, s, _) in rows if g == "llama_block"})
    if not sizes:
        return ""
    out = ["## Whole model: exported Llama block, this run\n",
           "The torch-mlir export of a Llama-style decoder block (bench/models/: hidden 64, 4 query heads "
           "on 2 KV heads of 16, causal SDPA, SwiGLU MLP; B=1, f32), compiled by attune-compile with its "
           "attention raised to attn.attention (`attune_raised`) and as the exporter wrote it "
           "(`attune_unraised`: scores materialized); `pytorch_eager`: the same block in PyTorch "
           "(bench/torch_block.py, same threads), when torch was there to run it. `attune_dynamic`: the "
           "same block exported with a symbolic sequence length (models/llama_sdpa_gqa_causal_dynL), one "
           "object called at each L, raised. Beside attention, the matmuls (projections, MLP) are "
           "vectorized register blocks (attune-vectorize-contractions); norms, RoPE and activations are "
           "plain loops, fused where nothing is computed twice; the model's ops run in chunks across the "
           "threads (attune-parallel-chunks); temporaries come from the module's per-thread buffer cache (attune-buffer-cache: "
           "without it, at L >= 2048 a third of the block's time went to page faults on temporaries "
           "freshly allocated every call). `raised vs pytorch` above 1: attune is faster.\n",
           "| L | attune_raised ms | attune_dynamic ms | attune_unraised ms | pytorch_eager ms | raised vs unraised | raised vs pytorch |",
           "|---|---|---|---|---|---|---|"]
    def row(group, size, impls, digits):
        """A table row: the impls' times, then raised vs unraised / PyTorch."""
        got = {impl: rows.get((group, size, impl)) for impl in impls}
        r, u, t = got["attune_raised"], got["attune_unraised"], got["pytorch_eager"]
        cells = [str(size)] + [f"{x['ms']:.{digits}f}" if x else "-" for x in got.values()]
        cells.append(f"{u['ms'] / r['ms']:.1f}x faster" if r and u else "-")
        cells.append(f"{t['ms'] / r['ms']:.2f}x" if r and t else "-")
        return "| " + " | ".join(cells) + " |"

    for size in sizes:
        out.append(row("llama_block", size, ("attune_raised", "attune_dynamic",
                                             "attune_unraised", "pytorch_eager"), 2))
    positions = sorted({s for (g, s, _) in rows if g == "llama_decode"})
    if positions:
        out += ["\n### One decode step over a KV cache\n",
                "The GQA block's decode step (models/llama_decode_gqa_dynP: x [1, 1, 64], a cache of P "
                "positions [2, 1, 2, P, 16] that the step appends its key and value to), one object for "
                "every P, raised (the one-query attention on the fused decode kernel) and as exported; "
                "PyTorch eager on the same step (bench/torch_block.py).\n",
                "| P | attune_raised ms | attune_unraised ms | pytorch_eager ms | raised vs unraised | raised vs pytorch |",
                "|---|---|---|---|---|---|"]
        for p in positions:
            out.append(row("llama_decode", p,
                           ("attune_raised", "attune_unraised", "pytorch_eager"), 3))
    return "\n".join(out) + "\n"


def pytorch(rows):
    """bench/torch_attention.py: attune and PyTorch's CPU kernels, one process."""
    impls = ("attune_same_process", "torch_sdpa", "torch_flex")
    cases = sorted({(g, s) for (g, s, i) in rows if i == "torch_sdpa"})
    if not cases:
        return ""
    out = ["## Against PyTorch's CPU attention (same process), this run\n",
           "bench/torch_attention.py: the kernels of bench/kernels/attention.mlir as a shared library "
           "(ctypes) and PyTorch on the same tensors in one process, calls interleaved, each after a "
           "pause longer than the OpenMP runtimes' spin-wait; medians. `torch_sdpa`: "
           "F.scaled_dot_product_attention (PyTorch's fused CPU flash kernel); `torch_flex`: "
           "FlexAttention under torch.compile (Inductor's CPU template). `max err`: against a float64 "
           "SDPA of the same inputs (up to 8 x 2048 x 2048 scores); the script fails when attune's "
           "exceeds 2x SDPA's. Ratios above 1: attune is faster.\n",
           "| case | attune ms | torch_sdpa ms | torch_flex ms | sdpa / attune | flex / attune | max err attune / sdpa |",
           "|---|---|---|---|---|---|---|"]
    for group, size in cases:
        got = [rows.get((group, size, i)) for i in impls]
        cells = [f"{group} {size}"] + [f"{r['ms']:.2f}" if r else "-" for r in got]
        ours = got[0]
        cells += [f"{r['ms'] / ours['ms']:.2f}x" if r and ours else "-" for r in got[1:]]
        errs = [r.get("max_error") if r else None for r in got[:2]]
        cells.append(" / ".join(f"{e:.1e}" for e in errs) if None not in errs else "-")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main():
    path, outdir = sys.argv[1], sys.argv[2]
    command = sys.argv[3] if len(sys.argv) > 3 else "make bench"
    context, rows = load(path)
    # Further JSON files (e.g. bench/torch_block.py's) add rows.
    for extra in sys.argv[4:]:
        if os.path.exists(extra):
            rows.update(load(extra)[1])
    pngs = plot(context, rows, outdir)
    header = f"""# Benchmark results (generated by bench/report.py; do not edit by hand)

Command: `{command}`

Machine: {context.get('host_name', '?')} ({context.get('cpu_model', '?')}), {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz,
{context.get('threads')} threads, ISA {context.get('isa')}. Measured by attune-bench at start, on those threads:
f32 FMA peak {float(context.get('fma_peak_gflops', 0)):.1f} GFLOP/s, vdpbf16ps peak
{float(context.get('bf16_dot_peak_gflops', 0)):.1f} GFLOP/s, AMX tdpbf16ps peak {float(context.get('amx_bf16_peak_gflops', 0)):.1f} GFLOP/s
(0: no AMX), streaming read {float(context.get('read_bw_gbps', 0)):.1f} GB/s.
OpenBLAS kernel: {context.get('openblas_core')} (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for the run).

Times are medians of the repetitions; `peak fraction` is GFLOP/s over the FMA peak (prefill) or
K+V GB/s over the read bandwidth (decode). Prefill: B=1, Hq=Hkv=8, D=128, Lq=Lk=L; decode: B=1,
Lq=1, Hq=32, Hkv=8, D=128. FLOPs count 4*B*Hq*Lq*Lk*D, halved for causal, for every impl.
`naive` runs on one thread and only at small sizes.

Notes that hold for this machine kind (read them with the numbers):
- The peaks are measured here, not taken from a data sheet; machines of this kind have been AMD EPYC
  (znver4: no AMX) and Intel Xeon with AMX (Sapphire Rapids class), so compare runs by their headers.
- Debian's OpenBLAS 0.3.21 has no bf16 GEMM (no sbgemm symbol): the bf16 `openblas_unfused`
  baseline widens bf16 to f32 inside the timed region and then runs sgemm.
- bf16 prefill in attune runs both products on AMX tiles (tdpbf16ps) where the CPU has them, else on
  vdpbf16ps (two products per lane per instruction), which is why its GFLOP/s exceed the f32 FMA peak;
  `peak fraction` still divides by the f32 FMA peak. With AMX the products are far from the tile
  unit's peak: the online softmax's exp on AVX-512 bounds the kernel.
- Decode reads every K/V byte once per KV group (the group's 4 query heads share the pass). With
  the KV cache in L3 (Lk=4096) the kernel can run at or above the DRAM read figure; from DRAM the
  decode table's peak fraction says how much of the streaming read it reaches.

"""
    body = (targets(context, rows) + "\n" + variants(rows) + "\n" +
            hydragen(rows) + "\n" + pytorch(rows) + "\n" + models(rows) + "\n" +
            tables(context, rows))
    plots = "".join(f"\n![{p}]({p})\n" for p in pngs)
    with open(os.path.join(outdir, "RESULTS.md"), "w") as f:
        f.write(header + plots + "\n" + body)
    print(f"wrote {os.path.join(outdir, 'RESULTS.md')}" + "".join(f", {p}" for p in pngs))


if __name__ == "__main__":
    main()
