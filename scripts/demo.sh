#!/usr/bin/env bash
# `make demo`: compile the example attention module with the fused CPU
# pipeline and with the reference pipeline, check both against the float64
# reference and time them side by side; then emit it as a C kernel and run
# the C example against it; last, compile an exported model (models/) and
# check it against PyTorch's output, and its dynamic-length export at
# three lengths.
set -euo pipefail
build=${1:-build}
example=examples/gqa_causal.mlir
shape=(--entry=gqa_causal --dtype=bf16 --batch=2 --q-heads=8 --kv-heads=2
       --q-len=1024 --kv-len=1024 --head-dim=64 --mask=causal --lse)

echo "== Compiling ${example}:"
grep -E "attn\.|mask" "$example" | sed 's/^/   /'
echo "== Problem: B=2 Hq=8 Hkv=2 Lq=Lk=1024 D=64 bf16, causal, LSE"
echo
echo "== attune-cpu-pipeline (fused tiled online softmax, vector code, OpenMP threads)"
"$build/bin/attune-runner" "$example" "${shape[@]}" --pipeline=fused --time --repeat=10
echo
echo "== attune-reference-cpu-pipeline (materialized scores, the oracle)"
"$build/bin/attune-runner" "$example" "${shape[@]}" --time --repeat=3
echo
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== attune-compile ${example} -o gqa_causal.o --header gqa_causal.h; C example:"
"$build/bin/attune-compile" "$example" -o "$out/gqa_causal.o" --header "$out/gqa_causal.h"
llvm_lib=$(llvm-config-22 --libdir)
clang-22 -O2 -I"$out" examples/c/gqa_causal.c "$out/gqa_causal.o" -lm \
  -L"$llvm_lib" -Wl,-rpath,"$llvm_lib" -lomp -o "$out/gqa_causal"
"$out/gqa_causal" 2 1024 1024
echo
model=models/llama_sdpa_gqa_causal.linalg.mlir
echo "== A whole model: ${model} (torch-mlir's export of a Llama-style block,"
echo "   weights embedded); attention raised to attn.attention, compiled to one"
echo "   object, called from C and compared with PyTorch's output:"
"$build/bin/attune-opt" "$model" --attn-raise-attention | grep -oE "attn\.attention\([^:]*" | sed 's/^/   /'
"$build/bin/attune-compile" "$model" -o "$out/llama.o"
clang-22 -O2 test/Models/Inputs/run_block.c "$out/llama.o" -lm \
  -L"$llvm_lib" -Wl,-rpath,"$llvm_lib" -lomp -o "$out/llama"
"$out/llama" models/llama_sdpa_gqa_causal.expected.txt
echo
model=models/llama_sdpa_gqa_causal_dynL.linalg.mlir
echo "== The same block exported with a symbolic sequence length (${model}):"
echo "   one object for every L, the length an argument of the entry point:"
"$build/bin/attune-compile" "$model" -o "$out/llama_dyn.o" --header "$out/llama_dyn.h"
grep -E "^int32_t" "$out/llama_dyn.h" | sed 's/^/   /'
clang-22 -O2 -DDYNAMIC_L test/Models/Inputs/run_block.c "$out/llama_dyn.o" -lm \
  -L"$llvm_lib" -Wl,-rpath,"$llvm_lib" -lomp -o "$out/llama_dyn"
for len in 1 7 33; do
  echo "   L = $len:"
  "$out/llama_dyn" "models/llama_sdpa_gqa_causal_dynL.L$len.expected.txt" "$len" | sed 's/^/     /'
done
