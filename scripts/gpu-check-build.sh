#!/bin/sh
# Builds the GPU check's kernels into <build>/gpu-check (see the Makefile's
# gpu-check-build): kernels.h, kernels_launcher.c, libattune_gpu_check.so.
set -eu
BUILD=${1:-build}
ARCH=${2:-sm_90a}
OUT=$BUILD/gpu-check
mkdir -p "$OUT"
if command -v ptxas >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/ptxas ]; then
  IMAGE=$OUT/kernels.cubin
else
  echo "gpu-check-build: no ptxas; the launcher embeds PTX (the driver compiles it)"
  IMAGE=$OUT/kernels.ptx
fi
# Static mask_mod regions get constant block lists first.
"$BUILD/bin/attune-opt" bench/gpu/kernels.mlir \
  --attn-build-block-mask="q-block=64 kv-block=64" -o "$OUT/kernels.mlir"
"$BUILD/bin/attune-compile" "$OUT/kernels.mlir" --target=cuda --arch="$ARCH" \
  -o "$IMAGE" --header "$OUT/kernels.h" --launcher "$OUT/kernels_launcher.c"
CC=${CC:-clang-22}
command -v "$CC" >/dev/null 2>&1 || CC=cc
"$CC" -std=c99 -O2 -shared -fPIC -o "$OUT/libattune_gpu_check.so" \
  "$OUT/kernels_launcher.c" -ldl -lpthread
echo "gpu-check-build: $OUT/libattune_gpu_check.so ($IMAGE, $ARCH)"
# Other tilings of the same kernels, for the check to time its prefill
# scenarios with (device_check.py --tiling): libattune_gpu_check_<t>.so and
# kernels_<t>.h, t = w<warps>k<kv-tile>.
# The prefill kernels the check times, alone (block lists would need their
# own block sizes to match other key tiles).
awk '/^func.func @(f16_d128|f16_d128_causal|bf16_d128_gqa_causal|f16_d128_sigmoid_causal|bf16_d64_window_sinks)\(/ {keep = 1}
     keep {print} /^}/ {keep = 0}' bench/gpu/kernels.mlir > "$OUT/prefill.mlir"
for tiling in "8 128" "4 128"; do
  set -- $tiling
  T=w$1k$2
  EXT=${IMAGE##*.}
  "$BUILD/bin/attune-compile" "$OUT/prefill.mlir" --target=cuda --arch="$ARCH" \
    --pipeline-options="warps=$1 kv-tile=$2" -o "$OUT/kernels_$T.$EXT" \
    --header "$OUT/kernels_$T.h" --launcher "$OUT/kernels_${T}_launcher.c"
  "$CC" -std=c99 -O2 -shared -fPIC -o "$OUT/libattune_gpu_check_$T.so" \
    "$OUT/kernels_${T}_launcher.c" -ldl -lpthread
  echo "gpu-check-build: $OUT/libattune_gpu_check_$T.so (warps $1, kv-tile $2)"
done
