#!/usr/bin/env python3
"""Random shared-prefix trees, each run decomposed and undecomposed.

For every tree (segment kinds, instance maps, lengths including empty
segments, ragged last segments (suffix_lengths), batch, heads, Lq, mask, normalization, dtype, static or dynamic
extents), writes an attn.prefix_attention kernel and runs attune-runner twice
through the fused pipeline: with the Hydragen decomposition
(shared-prefix=true: stacked queries per segment instance + exact merge) and
without it (each row's KV concatenated). Both must match the float64
reference. Prints one line per tree and "ALL PASS" at the end.
"""

import argparse
import os
import random
import subprocess
import sys


def tensor(shape, dtype):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + dtype + ">"


def memref(shape, dtype):
    return "memref<" + "x".join(str(d) for d in shape) + "x" + dtype + ">"


def random_tree(rng):
    batch = rng.randint(1, 4)
    q_heads, kv_heads = rng.choice([(2, 2), (4, 2), (4, 1), (3, 3)])
    tree = {
        "batch": batch,
        "q_heads": q_heads,
        "kv_heads": kv_heads,
        "q_len": rng.choice([1, 1, 2, 3, 5]),
        "head_dim": rng.choice([16, 32]),
        "dtype": rng.choice(["f32", "f32", "bf16", "f16"]),
        "norm": rng.choice(["softmax", "softmax", "sigmoid"]),
        "mask": rng.choice(["none", "causal", "causal", "window:4,0",
                            "window:3,1,2"]),
        "dynamic_batch": rng.random() < 0.3,
        "dynamic_q": rng.random() < 0.5,
        "segments": [],
    }
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["shared", "per_row", "rows"])
        length = rng.choice([0, 1, 3, 7, 12, 20])
        segment = {"kind": kind, "length": length,
                   "dynamic": rng.random() < 0.6}
        if kind == "rows":
            instances = rng.randint(1, batch)
            segment["rows"] = [rng.randrange(instances) for _ in range(batch)]
        tree["segments"].append(segment)
    # Every row sees at least one key somewhere.
    if sum(s["length"] for s in tree["segments"]) == 0:
        tree["segments"][-1]["length"] = 5
    if any(s["kind"] == "rows" for s in tree["segments"]):
        tree["dynamic_batch"] = False
    tree["lse"] = tree["norm"] == "softmax" and rng.random() < 0.5
    # A ragged last segment (suffix_lengths), when it is per row.
    last = tree["segments"][-1]
    tree["ragged"] = None
    if last["kind"] == "per_row" and rng.random() < 0.35:
        tree["ragged"] = [rng.randint(0, last["length"] + 3)
                          for _ in range(batch)]
    return tree


def kernel(tree):
    dt = tree["dtype"]
    b = "?" if tree["dynamic_batch"] else tree["batch"]
    lq = "?" if tree["dynamic_q"] else tree["q_len"]
    hq, hkv, d = tree["q_heads"], tree["kv_heads"], tree["head_dim"]
    q = tensor([b, hq, lq, d], dt)
    keys, attrs = [], []
    for s in tree["segments"]:
        n = {"shared": 1, "per_row": b,
             "rows": (max(s["rows"]) + 1 if s["kind"] == "rows" else 0)}[s["kind"]]
        length = "?" if s["dynamic"] else s["length"]
        keys.append(tensor([n, hkv, length, d], dt))
        if s["kind"] == "rows":
            attrs.append("#attn.segment<rows [" +
                         ", ".join(map(str, s["rows"])) + "]>")
        else:
            attrs.append("#attn.segment<%s>" % s["kind"])
    n = len(keys)
    args = ["%q: " + q]
    args += ["%%k%d: %s" % (i, t) for i, t in enumerate(keys)]
    args += ["%%v%d: %s" % (i, t) for i, t in enumerate(keys)]
    lengths = ""
    if tree["ragged"] is not None:
        args.append("%%n: tensor<%sxi32>" % b)
        lengths = " suffix_lengths(%n)"
    args.append("%o: " + memref([b, hq, lq, d], dt))
    results = [tensor([b, hq, lq, d], dt)]
    if tree["lse"]:
        args.append("%l: " + memref([b, hq, lq], "f32"))
        results.append(tensor([b, hq, lq], "f32"))
    opts = ["segments = [" + ", ".join(attrs) + "]"]
    mask = tree["mask"]
    if mask == "causal":
        opts.append("mask = #attn.mask<causal>")
    elif mask.startswith("window:"):
        w = [int(x) for x in mask[len("window:"):].split(",")]
        text = "window left = %d, right = %d" % (w[0], w[1])
        if len(w) > 2:
            text += ", sinks = %d" % w[2]
        opts.append("mask = #attn.mask<%s>" % text)
    if tree["norm"] == "sigmoid":
        opts.append("normalization = #attn.normalization<sigmoid>")
    names = ["%out", "%lse"][: len(results)]
    lines = ["func.func @kernel(" + ", ".join(args) + ") {"]
    lines.append(
        "  %s = attn.prefix_attention(%%q) keys(%s) values(%s)%s {%s} : (%s) -> (%s)"
        % (", ".join(names),
           ", ".join("%%k%d" % i for i in range(n)),
           ", ".join("%%v%d" % i for i in range(n)),
           lengths,
           ", ".join(opts),
           ", ".join([q] + keys + keys +
                     (["tensor<%sxi32>" % b] if lengths else [])),
           ", ".join(results)))
    outs = ["%o", "%l"]
    for name, res, out, mem in zip(names, results, outs, args[-len(results):]):
        lines.append(
            "  bufferization.materialize_in_destination %s in restrict writable "
            "%s : (%s, %s) -> ()" % (name, out, res, mem.split(": ")[1]))
    lines.append("  return")
    lines.append("}")
    return "\n".join(lines) + "\n"


def runner_args(tree):
    segs = []
    for s in tree["segments"]:
        head = s["kind"]
        if head == "rows":
            head = "rows=" + "/".join(map(str, s["rows"]))
        segs.append("%s:%d" % (head, s["length"]))
    args = ["--batch=%d" % tree["batch"], "--q-heads=%d" % tree["q_heads"],
            "--kv-heads=%d" % tree["kv_heads"], "--q-len=%d" % tree["q_len"],
            "--head-dim=%d" % tree["head_dim"], "--dtype=" + tree["dtype"],
            "--norm=" + tree["norm"], "--mask=" + tree["mask"],
            "--segments=" + ";".join(segs), "--pipeline=fused"]
    if tree["lse"]:
        args.append("--lse")
    if tree["ragged"] is not None:
        args.append("--kv-lengths=" + ",".join(map(str, tree["ragged"])))
    return args


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    os.makedirs(opts.workdir, exist_ok=True)
    rng = random.Random(opts.seed)
    failures = 0
    for t in range(opts.count):
        tree = random_tree(rng)
        path = os.path.join(opts.workdir, "tree%d.mlir" % t)
        with open(path, "w") as f:
            f.write(kernel(tree))
        for mode in ["shared-prefix=true", "shared-prefix=false"]:
            cmd = [opts.runner, path] + runner_args(tree) + [
                "--fused-options=" + mode, "--seed=%d" % (t + 1)]
            run = subprocess.run(cmd, capture_output=True, text=True)
            ok = run.returncode == 0 and "PASS" in run.stdout.splitlines()[-1:]
            print("tree %d %s: %s  %s" % (t, mode, "ok" if ok else "FAIL",
                                          " ".join(cmd[2:])))
            if not ok:
                failures += 1
                sys.stdout.write(run.stdout + run.stderr)
    print("ALL PASS" if failures == 0 else "%d FAILED" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
