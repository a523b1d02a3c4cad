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
