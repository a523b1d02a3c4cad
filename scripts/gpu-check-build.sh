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
# Other builds of the same kernels, for the check to time its prefill
# scenarios with (device_check.py --tiling): libattune_gpu_check_<t>.so and
# kernels_<t>.h, built from INPUT with convert-attn-to-gpu OPTIONS.
EXT=${IMAGE##*.}
variant() { # T INPUT OPTIONS
  "$BUILD/bin/attune-compile" "$2" --target=cuda --arch="$ARCH" \
    --pipeline-options="$3" -o "$OUT/kernels_$1.$EXT" \
    --header "$OUT/kernels_$1.h" --launcher "$OUT/kernels_$1_launcher.c"
  "$CC" -std=c99 -O2 -shared -fPIC -o "$OUT/libattune_gpu_check_$1.so" \
    "$OUT/kernels_$1_launcher.c" -ldl -lpthread
  echo "gpu-check-build: $OUT/libattune_gpu_check_$1.so ($3)"
}
# The prefill kernels the check times, alone (block lists would need their
# own block sizes to match other key tiles), with other tilings: t =
# w<warps>k<kv-tile>.
awk '/^func.func @(f16_d128|f16_d128_causal|bf16_d128_gqa_causal|f16_d128_sigmoid_causal|bf16_d64_window_sinks)\(/ {keep = 1}
     keep {print} /^}/ {keep = 0}' bench/gpu/kernels.mlir > "$OUT/prefill.mlir"
variant w8k128 "$OUT/prefill.mlir" "warps=8 kv-tile=128"
variant w4k128 "$OUT/prefill.mlir" "warps=4 kv-tile=128"
# sm_90a: every kernel with wgmma (convert-attn-to-gpu mma=wgmma), which
# device_check.sh checks after the default build and times; the prefill ones
# with 128-key tiles too.
[ "$ARCH" = sm_90a ] || exit 0
variant wgmma "$OUT/kernels.mlir" "mma=wgmma"
variant wgmma_k128 "$OUT/prefill.mlir" "mma=wgmma kv-tile=128"
# And with K and V through the TMA (128-byte swizzled tiles).
variant tma "$OUT/kernels.mlir" "mma=wgmma tma=true"
variant tma_k128 "$OUT/prefill.mlir" "mma=wgmma tma=true kv-tile=128"
variant tma_s3 "$OUT/prefill.mlir" "mma=wgmma tma=true stages=3"
# And with FlashAttention-3's intra-warpgroup overlap (3 buffers).
variant overlap "$OUT/kernels.mlir" "mma=wgmma tma=true stages=3 overlap=true"
variant overlap_k128 "$OUT/prefill.mlir" \
  "mma=wgmma tma=true stages=3 overlap=true kv-tile=128"
# And warp-specialized: a producer warpgroup issues the loads, one consumer
# warpgroup (every kernel), or two with 128-key tiles (FlashAttention-3's
# shape for D = 128: setmaxnreg 240 / 24).
variant specialize "$OUT/kernels.mlir" \
  "mma=wgmma tma=true stages=3 overlap=true warp-specialize=true"
variant specialize_w8k128 "$OUT/prefill.mlir" \
  "mma=wgmma tma=true stages=3 overlap=true warp-specialize=true warps=8 kv-tile=128"
# And with FlashAttention-3's ping-pong between the two consumer warpgroups.
variant pingpong_w8k128 "$OUT/prefill.mlir" \
  "mma=wgmma tma=true stages=3 overlap=true warp-specialize=true ping-pong=true warps=8 kv-tile=128"
