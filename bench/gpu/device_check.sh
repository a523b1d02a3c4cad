#!/bin/sh
# The GPU check, on a machine with an NVIDIA GPU, PyTorch and no LLVM/MLIR.
# Build the kernels first on any machine (make gpu-check-build) and bring
# build/gpu-check along. Finishes within 8 minutes; prints the table last.
#
#   bash bench/gpu/device_check.sh [build/gpu-check]
#
# Numerics run one kernel per process (a kernel that faults leaves its CUDA
# context unusable: the others still get checked), then, for sm_90a builds,
# the wgmma build's kernels in one process, then one timing run (the other
# builds' prefill kernels after the main table; a wgmma build whose numerics
# failed is not timed).
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
# The wgmma build (sm_90a), every kernel in one process.
if [ -e "$DIR/libattune_gpu_check_wgmma.so" ]; then
  echo "wgmma kernels (mma=wgmma):"
  timeout 150 python3 "$HERE/device_check.py" \
    --lib "$DIR/libattune_gpu_check_wgmma.so" \
    --header "$DIR/kernels_wgmma.h" --no-timing
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "WGMMA: FAILED (exit $rc)"
    failed="$failed wgmma"
  fi
fi
# Other tilings gpu-check-build made: their prefill times too.
TILINGS=""
for lib in "$DIR"/libattune_gpu_check_*.so; do
  [ -e "$lib" ] || continue
  t=${lib##*libattune_gpu_check_}
  t=${t%.so}
  case "$t:$failed" in
  wgmma*:*wgmma*) continue ;;
  esac
  TILINGS="$TILINGS --tiling $t=$lib"
done
timeout 300 $CHECK --timing-only $TILINGS
echo "numerics failures:${failed:- none}"
[ -z "$failed" ]
