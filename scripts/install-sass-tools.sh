#!/usr/bin/env bash
# cuobjdump (SASS listings of the GPU kernels' cubins) and the nvdisasm it
# runs, from PyPI's pinned nvidia-cuda-cuobjdump and nvidia-cuda-nvdisasm
# wheels, into <build>/sass-tools, for the lit test that
# counts the instructions of a kernel's main loop (sass-loop.test). The CUDA
# toolkit on these machines has ptxas but not cuobjdump. Without ptxas there
# is no cubin to list: nothing to do. A failed download leaves the test
# unsupported (lit says so), not the suite red.
set -uo pipefail
build=${1:-build}
dest=$build/sass-tools
[[ -x $dest/nvidia/cu13/bin/cuobjdump && -x $dest/nvidia/cu13/bin/nvdisasm ]] &&
  exit 0
command -v ptxas >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/ptxas ]] || exit 0
command -v cuobjdump >/dev/null 2>&1 && command -v nvdisasm >/dev/null 2>&1 &&
  exit 0
echo "Installing cuobjdump and nvdisasm (13.5.37, PyPI) into $dest"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
  --no-deps --upgrade --target "$dest" nvidia-cuda-cuobjdump==13.5.37 \
  nvidia-cuda-nvdisasm==13.5.37 ||
  echo "warning: no cuobjdump: sass-loop.test will be unsupported" >&2
exit 0
