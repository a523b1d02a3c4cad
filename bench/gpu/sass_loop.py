#!/usr/bin/env python3
"""Counts the SASS instructions of a GPU kernel's main loop.

Reads `cuobjdump -sass` output (a file or stdin) and, for kernel FUNCTION,
finds its main loop: the smallest conditional backward branch whose range
holds a tensor-core instruction (HGMMA for wgmma, HMMA for mma.sync). It
counts one step of the loop per thread on its cheapest path through the
loop's forward branches (the one that skips the per-element mask, which
only tiles that are not entirely visible run, O's rescale, which only a new
row maximum needs, and the guarded copies of the tile the sequence's end
cuts) and prints the count, what each branch taken skipped and the opcodes:

  loop 0x1b50-0x4350: 447 instructions a step (branches skipped: 64 at
  0x1d60, 128 at 0x2670)
  FMNMX 66  FADD 66  ...

  bench/gpu/sass_loop.py kernels.sass f16_d128 [--max N] [--max-skipped M]

With --max, exits 1 when the count is above N; with --max-skipped, when a
branch taken skips more than M instructions (the mask's cost on the tiles
that take it): regression gates.
"""
import argparse
import collections
import re
import sys


def instructions(text, function):
    """(address, instruction text) of FUNCTION's body."""
    found, body = False, []
    for line in text.splitlines():
        if "Function :" in line:
            if found:
                break
            found = line.split("Function :")[1].strip() == function
            continue
        if not found:
            continue
        m = re.search(r"/\*([0-9a-f]{4,})\*/\s+(.*?);", line)
        if m:
            body.append((int(m.group(1), 16), m.group(2).strip()))
    if not found:
        sys.exit(f"sass_loop: no function '{function}' in the listing")
    return body


def opcode(text):
    words = text.split()
    op = words[1] if words[0].startswith("@") and len(words) > 1 else words[0]
    return op.split(".")[0]


def branch_target(text):
    # BRA 0x..., BRA `(.L_x_1), BRA P0, 0x... (a second predicate).
    m = re.search(r"\bBRA\b[^;]*?(0x[0-9a-f]+)", text)
    return int(m.group(1), 16) if m else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listing", help="cuobjdump -sass output ('-': stdin)")
    parser.add_argument("function")
    parser.add_argument("--max", type=int, default=None)
    parser.add_argument("--max-skipped", type=int, default=None)
    args = parser.parse_args()
    text = (sys.stdin if args.listing == "-" else open(args.listing)).read()
    body = instructions(text, args.function)
    products = [a for a, t in body if opcode(t) in ("HGMMA", "HMMA")]
    loop = None
    for address, text_ in body:
        target = branch_target(text_)
        # A loop's back edge is conditional; the out-of-line retries of an
        # mbarrier wait jump back unconditionally.
        if target is None or target >= address or not text_.startswith("@"):
            continue
        if any(target <= p <= address for p in products) and (
                loop is None or address - target < loop[1] - loop[0]):
            loop = (target, address)
    if loop is None:
        sys.exit("sass_loop: no loop around a tensor-core instruction")
    # The cheapest path through one step, over the loop's forward branches
    # (backward ones inside it, an mbarrier wait's retries, count as taken
    # never): the path most steps take, which skips the per-element mask
    # (tiles not entirely visible), O's rescale (a new row maximum) and the
    # guarded copies of a tile the sequence's end cuts.
    step = [(a, t) for a, t in body if loop[0] <= a <= loop[1]]
    index = {a: i for i, (a, _) in enumerate(step)}
    cost, successor = [0] * len(step), [None] * len(step)
    for i in reversed(range(len(step))):
        address, text_ = step[i]
        if address == loop[1]:
            cost[i] = 1
            continue
        options = []
        target = branch_target(text_)
        if not (opcode(text_) in ("BRA", "EXIT") and not text_.startswith("@")):
            options.append(i + 1)
        if target is not None and address < target <= loop[1]:
            options.append(index[target])
        if not options:
            sys.exit(f"sass_loop: the step leaves the loop at {address:#x}")
        successor[i] = min(options, key=lambda j: cost[j])
        cost[i] = 1 + cost[successor[i]]
    counts, skips, i = collections.Counter(), [], 0
    while i is not None:
        counts[opcode(step[i][1])] += 1
        j = successor[i]
        if j is not None and j > i + 1:
            skips.append((step[i][0], j - i - 1))
        i = j
    total = sum(counts.values())
    branches = ", ".join(f"{n} at {a:#x}" for a, n in skips)
    print(f"loop {loop[0]:#x}-{loop[1]:#x}: {total} instructions a step "
          f"(branches skipped: {branches or 'none'})")
    print("  ".join(f"{op} {n}" for op, n in counts.most_common()))
    if args.max is not None and total > args.max:
        print(f"sass_loop: {total} instructions a step, more than {args.max}")
        return 1
    largest = max((n for _, n in skips), default=0)
    if args.max_skipped is not None and largest > args.max_skipped:
        print(f"sass_loop: a branch skips {largest} instructions, more than "
              f"{args.max_skipped}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
