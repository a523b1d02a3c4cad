#!/bin/sh
# The GPU check (bench/gpu/device_check.py) on a machine without a GPU: the
# kernels of bench/gpu/kernels.mlir built for the CUDA emulator
# (attune-compile --target=cuda --emulate) into <build>/gpu-check-emulated,
# run through their C launcher by the emulator's libcuda.so.1 against the
# float64 reference. Needs PyTorch (<build>/export-venv or python3's).
#
#   scripts/gpu-check-emulated.sh [build] [sync|wgmma|tma|overlap|specialize]
#
# The second argument is the build: convert-attn-to-gpu's mma (wgmma: the
# sm_90a kernels, into <build>/gpu-check-emulated-wgmma), or tma (the sm_90a
# kernels with K and V through the TMA: mma=wgmma tma=true), or overlap
# (those with the intra-warpgroup overlap: tma=true stages=3 overlap=true),
# or specialize (overlap with a producer warpgroup: warp-specialize=true).
set -eu
BUILD=${1:-build}
MMA=${2:-sync}
OUT=$BUILD/gpu-check-emulated
[ "$MMA" = sync ] || OUT=$OUT-$MMA
OPTIONS="mma=$MMA"
[ "$MMA" = tma ] && OPTIONS="mma=wgmma tma=true"
[ "$MMA" = overlap ] && OPTIONS="mma=wgmma tma=true stages=3 overlap=true"
[ "$MMA" = specialize ] &&
  OPTIONS="mma=wgmma tma=true stages=3 overlap=true warp-specialize=true"
mkdir -p "$OUT"
"$BUILD/bin/attune-opt" bench/gpu/kernels.mlir \
  --attn-build-block-mask="q-block=64 kv-block=64" -o "$OUT/kernels.mlir"
"$BUILD/bin/attune-compile" "$OUT/kernels.mlir" --target=cuda --emulate \
  --pipeline-options="$OPTIONS" -o "$OUT/kernels.so" --header "$OUT/kernels.h" \
  --launcher "$OUT/kernels_launcher.c"
CC=${CC:-clang-22}
command -v "$CC" >/dev/null 2>&1 || CC=cc
"$CC" -std=c99 -O2 -shared -fPIC -o "$OUT/libattune_gpu_check.so" \
  "$OUT/kernels_launcher.c" -ldl -lpthread
PYTHON=python3
[ -x "$BUILD/export-venv/bin/python" ] && PYTHON=$BUILD/export-venv/bin/python
LD_LIBRARY_PATH="$BUILD/lib/cuda-emulator${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$PYTHON" bench/gpu/device_check.py --emulated \
  --lib "$(cd "$OUT" && pwd)/libattune_gpu_check.so" --header "$OUT/kernels.h"
