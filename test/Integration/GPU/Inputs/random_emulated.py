#!/usr/bin/env python3
"""Random differential check of the GPU kernels on the CUDA emulator.

Draws attention problems (dtype, heads and GQA ratio, head dims, masks, per-head
masks, sigmoid, softcap, ALiBi, bias, temperature, ragged lengths, block lists,
score/mask regions, LSE, lengths) and prefix-attention problems (shared,
per-row and tree segments, decode or prefill, ragged suffixes), writes each
as an .mlir function, builds it
with `attune-compile --target=cuda --emulate`, and runs it through its C
launcher on the emulator with `attune-runner --cuda-launcher` against the
float64 reference, under a random emulator setting (forced key chunks,
warp-ahead schedule, early cp.async). A problem the GPU path declines (its
diagnostic) is counted, not failed.

    random_emulated.py --build build --count 20 --seed 1 --work /tmp/rand
"""

import argparse
import os
import random
import subprocess
import sys

RELPOS = """ score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c1 = arith.constant 1 : index
    %d = arith.subi %i, %j : index
    %h1 = arith.addi %h, %c1 : index
    %p = arith.muli %d, %h1 : index
    %pi = arith.index_cast %p : index to i64
    %pf = arith.sitofp %pi : i64 to f32
    %w = arith.constant 0.05 : f32
    %t = arith.mulf %pf, %w : f32
    %r = arith.addf %s, %t : f32
    attn.yield %r : f32
  }"""
MOD3 = """ mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c0 = arith.constant 0 : index
    %c3 = arith.constant 3 : index
    %s0 = arith.addi %i, %j : index
    %s1 = arith.addi %s0, %b : index
    %s2 = arith.addi %s1, %h : index
    %m = arith.remui %s2, %c3 : index
    %r = arith.cmpi ne, %m, %c0 : index
    attn.yield %r : i1
  }"""


def mask_attr(m):
    if m == "causal":
        return "#attn.mask<causal>"
    left, right, sinks = m
    s = f"#attn.mask<window left = {left}, right = {right}"
    return s + (f", sinks = {sinks}>" if sinks else ">")


def mask_flag(m):
    if m == "causal":
        return "causal"
    left, right, sinks = m
    return f"window:{left},{right}" + (f",{sinks}" if sinks else "")


def draw_setting(r):
    """A random emulator setting: forced key chunks, the warp-ahead schedule,
    early cp.async."""
    env = {}
    if r.random() < 0.3:
        env["ATTUNE_KV_SPLITS"] = str(r.choice([2, 3, 5]))
    if r.random() < 0.3:
        env["ATTUNE_EMULATOR_SCHEDULE"] = "warp-ahead"
    if r.random() < 0.3:
        env["ATTUNE_EMULATOR_COPIES"] = "early"
    return env


def outputs(args, rows, dv, dt, lse, flags):
    """The output (and LSE) types of a [rows] problem, and the function's
    parameters: `args`, then the output memrefs (--lse into `flags`)."""
    ot = f"tensor<{rows}x{dv}x{dt}>"
    om = ot.replace("tensor", "memref")
    lt, lm = f"tensor<{rows}xf32>", f"memref<{rows}xf32>"
    params = ", ".join(f"%{n}: {t}" for n, t in args) + f", %o: {om}"
    if lse:
        params += f", %l: {lm}"
        flags.append("--lse")
    return ot, om, lt, lm, params


def function_tail(lse, lt, lm):
    """The LSE's write (when there is one) and the function's end."""
    tail = []
    if lse:
        tail.append(f"  bufferization.materialize_in_destination %lse in "
                    f"restrict writable %l : ({lt}, {lm}) -> ()")
    return tail + ["  return\n}\n"]


def draw_prefix(r):
    """A prefix-attention problem: segments shared, per-row or shared by
    subsets of rows (static batch), decode or prefill under no mask, causal
    or windows with sinks, per-head masks, sigmoid, ragged suffixes (with
    any of them: each row's concatenation then has its own length)."""
    dt = r.choice(["f16", "bf16"])
    hkv = r.choice([1, 2])
    hq = hkv * r.choice([1, 2, 4])
    d = r.choice([64, 128])
    b = r.choice([1, 2, 3, 4])
    decode = r.random() < 0.6
    lq = 1 if decode else r.randint(2, 120)
    kinds = ["shared"] + [r.choice(["per_row", "rows"])
                          for _ in range(r.randint(0, 1))] + ["per_row"]
    lengths = [r.choice([r.randint(0, 40), r.randint(40, 1200)])
               for _ in kinds]
    ragged = r.random() < 0.3
    lse = r.random() < 0.6
    segs, flags_segs, keys, values = [], [], [], []
    for i, (kind, n) in enumerate(zip(kinds, lengths)):
        if kind == "rows":
            rows = [min(x, 1) for x in range(b)]
            segs.append("#attn.segment<rows [" + ", ".join(map(str, rows)) +
                        "]>")
            flags_segs.append("rows=" + "/".join(map(str, rows)) + f":{n}")
            inst = str(max(rows) + 1)
        else:
            segs.append(f"#attn.segment<{kind}>")
            flags_segs.append(f"{kind}:{n}")
            inst = "1" if kind == "shared" else str(b)
        keys.append(f"tensor<{inst}x{hkv}x?x{d}x{dt}>")
        values.append(keys[-1])
    bq = str(b)
    qt = f"tensor<{bq}x{hq}x{lq}x{d}x{dt}>"
    args = [("q", qt)] + [(f"k{i}", t) for i, t in enumerate(keys)] + \
        [(f"v{i}", t) for i, t in enumerate(values)]
    flags = [f"--dtype={dt}", f"--batch={b}", f"--q-heads={hq}",
             f"--kv-heads={hkv}", f"--q-len={lq}", f"--head-dim={d}",
             f"--seed={r.randint(0, 1000)}",
             "'--segments=" + ";".join(flags_segs) + "'"]
    tail = ""
    if ragged:
        args.append(("n", f"tensor<{bq}xi32>"))
        tail = " suffix_lengths(%n)"
        last = lengths[-1]
        flags.append("--kv-lengths=" + ",".join(
            str(r.choice([0, r.randint(0, last), last])) for _ in range(b)))
    attrs = ["segments = [" + ", ".join(segs) + "]"]
    mask = None
    if decode:
        mask = r.choice(["causal", (r.randint(0, 200), 0, r.randint(0, 8))])
    else:
        mask = r.choice([None, "causal",
                         (r.randint(0, 200), r.randint(0, 9), r.randint(0, 8))])
    if r.random() < 0.2:
        masks = ["causal", (r.randint(0, 100), 0, r.randint(0, 6))]
        head_masks = [r.choice(masks) for _ in range(hq)]
        attrs.append("head_masks = [" +
                     ", ".join(mask_attr(m) for m in head_masks) + "]")
        flags.append('"--head-masks=' +
                     ";".join(mask_flag(m) for m in head_masks) + '"')
        mask = None
    if mask:
        attrs.append(f"mask = {mask_attr(mask)}")
        flags.append(f"--mask={mask_flag(mask)}")
    if r.random() < 0.2:
        attrs.append("normalization = #attn.normalization<sigmoid>")
        flags.append("--norm=sigmoid")
        lse = False
    ot, om, lt, lm, params = outputs(args, f"{bq}x{hq}x{lq}", d, dt, lse,
                                     flags)
    nk = len(kinds)
    ks = ", ".join(f"%k{i}" for i in range(nk))
    vs = ", ".join(f"%v{i}" for i in range(nk))
    in_types = ", ".join(t for _, t in args)
    results = f"({ot}, {lt})" if lse else ot
    res = "%out, %lse" if lse else "%out"
    lines = [f"func.func @kernel({params}) {{",
             f"  {res} = attn.prefix_attention(%q) keys({ks}) values({vs})"
             f"{tail} {{{', '.join(attrs)}}}\n      : ({in_types}) -> {results}",
             f"  bufferization.materialize_in_destination %out in restrict "
             f"writable %o : ({ot}, {om}) -> ()"]
    lines += function_tail(lse, lt, lm)
    return "\n".join(lines), flags, draw_setting(r)


def draw(r):
    """One problem: (mlir text, runner flags, environment, description)."""
    if r.random() < 0.25:
        return draw_prefix(r)
    dt = r.choice(["f16", "bf16"])
    hkv = r.choice([1, 2, 3])
    g = r.choice([1, 1, 2, 3, 4])
    hq = hkv * g
    d = r.choice([32, 40, 64, 64, 72, 80, 96, 128, 128, 256])
    dv = d if r.random() < 0.8 else r.choice([24, 32, 64, 128])
    b = r.choice([1, 2, 3])
    lq = r.choice([1, r.randint(1, 90), r.randint(60, 300)])
    lk = r.choice([lq, r.randint(1, 200), r.randint(100, 700)])
    sigmoid = r.random() < 0.2
    lse = not sigmoid and r.random() < 0.5
    masks = [None, "causal", (r.randint(0, 150), r.randint(0, 20), 0),
             (r.randint(0, 100), 0, r.randint(1, 8))]
    mask = r.choice(masks)
    head_masks = None
    if r.random() < 0.15:
        head_masks = [r.choice(masks[1:]) for _ in range(hq)]
        mask = None
    softcap = r.choice([None, None, None, 20.0])
    alibi = r.random() < 0.2
    bias = (r.choice([1, b]), r.choice([1, hq])) if r.random() < 0.15 else None
    temperature = ((r.choice([1, b]), r.choice([1, hq]))
                   if r.random() < 0.15 else None)
    ragged = r.random() < 0.2
    blocks = None
    if r.random() < 0.15 and not ragged:
        blocks = (r.choice([64, 128]), r.choice([64, 128]), r.random() < 0.5)
    regions = r.choice([None, None, None, None, "score", "mask", "both"])

    ty = lambda h, l, w: f"tensor<?x{h}x{l}x{w}x{dt}>"
    qt, kt, vt = ty(hq, "?", d), ty(hkv, "?", d), ty(hkv, "?", dv)
    args = [("q", qt), ("k", kt), ("v", vt)]
    op_tail, flags = "", []
    attrs = []
    if alibi:
        args.append(("slopes", f"tensor<{hq}xf32>"))
        op_tail += " alibi(%slopes)"
        flags.append("--alibi")
    if bias:
        bb, bh = bias
        args.append(("bias", f"tensor<{'?' if bb > 1 else 1}x{bh}x?x?xf32>"))
        op_tail += " bias(%bias)"
        flags.append(f"--bias={bb}x{bh}")
    if temperature:
        tb, th = temperature
        args.append(("temp", f"tensor<{'?' if tb > 1 else 1}x{th}x?xf32>"))
        op_tail += " temperature(%temp)"
        flags.append(f"--temperature={tb}x{th}")
    if ragged:
        args.append(("n", "tensor<?xi32>"))
        op_tail += " kv_lengths(%n)"
        lens = [r.choice([0, r.randint(0, lk), lk, lk + 5]) for _ in range(b)]
        flags.append("--kv-lengths=" + ",".join(map(str, lens)))
    if blocks:
        qbs, kbs, full = blocks
        args += [("nb", "tensor<1x1x?xi32>"), ("idx", "tensor<1x1x?x?xi32>")]
        op_tail += " blocks(%nb, %idx)"
        if full:
            args += [("fnb", "tensor<1x1x?xi32>"),
                     ("fidx", "tensor<1x1x?x?xi32>")]
            op_tail += " full_blocks(%fnb, %fidx)"
            flags.append("--full-blocks")
        attrs.append(f"block_size = array<i64: {qbs}, {kbs}>")
        flags.append(f"--block-mask={qbs},{kbs}")
    if mask:
        attrs.append(f"mask = {mask_attr(mask)}")
        flags.append(f"--mask={mask_flag(mask)}")
    if head_masks:
        attrs.append("head_masks = [" +
                     ", ".join(mask_attr(m) for m in head_masks) + "]")
        flags.append('"--head-masks=' +
                     ";".join(mask_flag(m) for m in head_masks) + '"')
    if sigmoid:
        attrs.append("normalization = #attn.normalization<sigmoid>")
        flags.append("--norm=sigmoid")
    if softcap:
        attrs.append(f"softcap = {softcap} : f32")
        flags.append(f"--softcap={softcap}")
    region_text = ""
    if regions in ("score", "both"):
        region_text += RELPOS
        flags.append("--score-mod=relpos")
    if regions in ("mask", "both"):
        region_text += MOD3
        flags.append("--mask-mod=mod3")

    ot, om, lt, lm, params = outputs(args, f"?x{hq}x?", dv, dt, lse, flags)
    operands = ", ".join(f"%{n}" for n, _ in args[3:])
    in_types = ", ".join(t for _, t in args)
    results = f"({ot}, {lt})" if lse else ot
    attr_text = " {" + ", ".join(attrs) + "}" if attrs else ""
    lines = [f"func.func @kernel({params}) {{"]
    res = "%out, %lse" if lse else "%out"
    lines.append(f"  {res} = attn.attention(%q, %k, %v){op_tail}{attr_text}"
                 f"{region_text}\n      : ({in_types}) -> {results}")
    lines.append(f"  bufferization.materialize_in_destination %out in restrict "
                 f"writable %o : ({ot}, {om}) -> ()")
    lines += function_tail(lse, lt, lm)
    flags = [f"--dtype={dt}", f"--batch={b}", f"--q-heads={hq}",
             f"--kv-heads={hkv}", f"--q-len={lq}", f"--kv-len={lk}",
             f"--head-dim={d}", f"--value-dim={dv}",
             f"--seed={r.randint(0, 1000)}"] + flags
    return "\n".join(lines), flags, draw_setting(r)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", required=True)
    parser.add_argument("--cc", default="clang-22")
    parser.add_argument("--mma", choices=["sync", "wgmma", "tma"],
                        default="sync",
                        help="tensor-core instructions of the kernels; "
                        "wgmma also draws the tiling (one or two warpgroups); "
                        "tma is wgmma with K and V through the TMA (and, "
                        "drawn, the intra-warpgroup overlap and warp "
                        "specialization)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    build = os.path.abspath(args.build)
    tools = os.path.join(build, "bin")
    r = random.Random(args.seed)
    passed = failed = declined = 0
    for n in range(args.count):
        text, flags, env = draw(r)
        base = os.path.join(os.path.abspath(args.work), f"p{n}")
        with open(base + ".mlir", "w") as f:
            f.write(text)
        # A third of the problems go through --canonicalize first, which
        # hoists the regions' constants out of them (captured constants).
        # Own streams: the problems stay those of the seed.
        if random.Random(args.seed * 104729 + n).random() < 1 / 3:
            subprocess.run([os.path.join(tools, "attune-opt"), base + ".mlir",
                            "--canonicalize", "-o", base + ".mlir"],
                           check=True)
        options = []
        if args.mma in ("wgmma", "tma"):
            # A stream of its own: the problems stay those of the seed.
            # Block lists hold whole tiles (64-key blocks: 64-key tiles).
            tilings = ["warps=4 kv-tile=64"]
            if not any(f.startswith("--block-mask") for f in flags):
                tilings += ["warps=4 kv-tile=128", "warps=8 kv-tile=128"]
            tiling = random.Random(args.seed * 7919 + n).choice(tilings)
            # TMA: a pipeline of 2 to 4 buffers (a stream of its own too),
            # with 3 or more every other problem overlapping each step's
            # softmax with the previous P V; every other problem with a
            # producer warpgroup (warp specialization; a stream of its own).
            stages_stream = random.Random(args.seed * 6007 + n)
            stages = stages_stream.choice([2, 3, 4])
            overlap = stages >= 3 and stages_stream.random() < 0.5
            specialize = random.Random(args.seed * 3989 + n).random() < 0.5
            tma = f" tma=true stages={stages}" if args.mma == "tma" else ""
            if args.mma == "tma" and overlap:
                tma += " overlap=true"
                # Every other overlapping problem with the ping-pong (a
                # stream of its own; two warpgroups or not).
                if random.Random(args.seed * 4243 + n).random() < 0.5:
                    tma += " ping-pong=true"
            if args.mma == "tma" and specialize:
                tma += " warp-specialize=true"
            options = [f"--pipeline-options=mma=wgmma{tma} {tiling}"]
        compiled = subprocess.run(
            [os.path.join(tools, "attune-compile"), base + ".mlir",
             "--target=cuda", "--emulate", "-o", base + ".so", "--header",
             base + ".h"] + options, capture_output=True, text=True)
        if compiled.returncode != 0:
            why = compiled.stderr.strip().splitlines()
            print(f"p{n}: declined: {why[0] if why else '?'}")
            declined += 1
            continue
        subprocess.run([args.cc, "-shared", "-fPIC", "-O1", "-o",
                        base + ".launcher.so", base + "_launcher.c", "-ldl",
                        "-lpthread"], check=True)
        run_env = dict(os.environ, **env)
        run_env["LD_LIBRARY_PATH"] = os.path.join(build, "lib", "cuda-emulator")
        command = (f"{os.path.join(tools, 'attune-runner')} {base}.mlir "
                   f"--cuda-launcher={base}.launcher.so " + " ".join(flags))
        result = subprocess.run(command, shell=True, capture_output=True,
                                text=True, env=run_env)
        setting = " ".join(f"{k}={v}" for k, v in env.items())
        ok = result.returncode == 0 and "PASS" in result.stdout
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"p{n}: {'PASS' if ok else 'FAIL'} {' '.join(options)} "
              f"{setting} {' '.join(flags)}")
        if not ok:
            print("  " + (result.stdout + result.stderr).strip()
                  .replace("\n", "\n  "))
    print(f"random problems: {passed} passed, {failed} failed, "
          f"{declined} declined by the GPU path")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
