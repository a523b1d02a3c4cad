#!/usr/bin/env bash
# `make demo`: compile the example attention module, run it on random inputs,
# check it against the float64 reference and time it.
set -euo pipefail
build=${1:-build}
example=examples/gqa-causal.mlir
shape=(--dtype=bf16 --batch=2 --q-heads=8 --kv-heads=2 --q-len=256 --kv-len=256
       --head-dim=64 --mask=causal --lse)

echo "== Compiling ${example}:"
grep -E "attn\.|mask" "$example" | sed 's/^/   /'
echo
echo "== Pipeline: attune-reference-cpu-pipeline (materialized scores, the oracle)"
echo "== Problem: B=2 Hq=8 Hkv=2 Lq=Lk=256 D=64 bf16, causal"
"$build/bin/attune-runner" "$example" "${shape[@]}" --time --repeat=3
