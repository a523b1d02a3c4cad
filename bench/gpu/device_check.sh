#!/bin/sh
# The GPU check, on a machine with an NVIDIA GPU, PyTorch and no LLVM/MLIR.
# Build the kernels first on any machine (make gpu-check-build) and bring
# build/gpu-check along. Finishes within 8 minutes; prints the table last.
#
#   bash bench/gpu/device_check.sh [build/gpu-check] [extra device_check.py flags]
set -eu
DIR=${1:-build/gpu-check}
[ $# -gt 0 ] && shift
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total \
  --format=csv 2>/dev/null || echo "nvidia-smi: not available"
export PYTHONUNBUFFERED=1
exec timeout 470 python3 "$(dirname "$0")/device_check.py" \
  --lib "$DIR/libattune_gpu_check.so" --header "$DIR/kernels.h" "$@"
