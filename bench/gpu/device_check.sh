#!/bin/sh
# The GPU check, on a machine with an NVIDIA GPU, PyTorch and no LLVM/MLIR.
# Build the kernels first on any machine (make gpu-check-build) and bring
# build/gpu-check along. Finishes within 8 minutes; prints the table last.
#
#   bash bench/gpu/device_check.sh [build/gpu-check]
#
# Numerics run one kernel per process (a kernel that faults leaves its CUDA
# context unusable: the others still get checked), then, for sm_90a builds,
# the wgmma build's kernels, the TMA build's (mma=wgmma tma=true), the
# overlapped one's (tma=true stages=3 overlap=true) and the warp-specialized
# one's (overlap with a producer warpgroup) in one process each, then
# one timing run (the other builds' prefill kernels after
# the main table; an sm_90a build whose numerics failed is not timed).
set -u
DIR=${1:-build/gpu-check}
HERE=$(dirname "$0")
export PYTHONUNBUFFERED=1
CHECK="python3 $HERE/device_check.py --lib $DIR/libattune_gpu_check.so --header $DIR/kernels.h"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total \
  --format=csv 2>/dev/null || echo "nvidia-smi: not available"
failed=""
for kernel in $($CHECK --list); do
  timeout 60 $CHECK --kernels "$kernel" --no-timing
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "KERNEL $kernel: FAILED (exit $rc)"
    failed="$failed $kernel"
  fi
done
# The sm_90a builds, every kernel in one process each: wgmma (cp.async), tma
# (wgmma, K and V through the TMA), overlap (tma with each step's softmax
# beside the previous step's P V) and specialize (overlap, the loads issued
# by a producer warpgroup).
for build in wgmma tma overlap specialize; do
  [ -e "$DIR/libattune_gpu_check_$build.so" ] || continue
  echo "$build kernels:"
  timeout 120 python3 "$HERE/device_check.py" \
    --lib "$DIR/libattune_gpu_check_$build.so" \
    --header "$DIR/kernels_$build.h" --no-timing
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "$build: FAILED (exit $rc)"
    failed="$failed $build"
  fi
done
# Other tilings gpu-check-build made: their prefill times too.
TILINGS=""
for lib in "$DIR"/libattune_gpu_check_*.so; do
  [ -e "$lib" ] || continue
  t=${lib##*libattune_gpu_check_}
  t=${t%.so}
  case "$failed " in
  *" ${t%%_*} "*) continue ;;
  esac
  TILINGS="$TILINGS --tiling $t=$lib"
done
timeout 300 $CHECK --timing-only $TILINGS
echo "numerics failures:${failed:- none}"
[ -z "$failed" ]
