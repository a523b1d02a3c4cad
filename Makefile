# Attune's front door. `make demo` and `make check` work on a fresh Debian 12
# machine: both install what is missing first.

BUILD_DIR ?= build
LLVM_DIR_PREFIX ?= /usr/lib/llvm-22
JOBS ?= $(shell nproc)
LIT ?= $(LLVM_DIR_PREFIX)/bin/lit
FUZZ_SECONDS ?= 60

# Exactly the Debian packages the project uses.
DEB_PACKAGES := cmake ninja-build clang-22 llvm-22-dev llvm-22-tools \
  libmlir-22-dev mlir-22-tools libomp-22-dev libclang-rt-22-dev \
  libgtest-dev libbenchmark-dev libopenblas-dev

.PHONY: all deps configure build check check-slow demo bench fuzz docs clean \
  gpu-check-build gpu-check-emulated

all: build

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

$(BUILD_DIR)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DMLIR_DIR=$(LLVM_DIR_PREFIX)/lib/cmake/mlir \
	  -DLLVM_DIR=$(LLVM_DIR_PREFIX)/lib/cmake/llvm

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR) -j $(JOBS)

# The whole suite: lit (round trips, diagnostics, lowerings, integration runs,
# fuzz corpus replay) and the unit tests it drives.
check: build
	@scripts/install-sass-tools.sh $(BUILD_DIR)
	@scripts/run-lit.sh $(LIT) $(BUILD_DIR)/test

# The suite plus the long cases (e.g. Lq = Lk = 4224 against float64).
check-slow: build
	@scripts/install-sass-tools.sh $(BUILD_DIR)
	@LIT_OPTS="--param slow=1" scripts/run-lit.sh $(LIT) $(BUILD_DIR)/test

demo: build
	@scripts/demo.sh $(BUILD_DIR)

# Benchmarks (not part of check): attune against OpenBLAS unfused attention
# and a naive loop nest in one process; writes bench/RESULTS.md and plots.
# OpenBLAS's core-type overrides are dropped for this command only.
BENCH_FLAGS ?= --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
bench: build
	@scripts/install-deps.sh gnuplot-nox
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BUILD_DIR)/bin/attune-bench \
	  $(BENCH_FLAGS) --benchmark_out=$(BUILD_DIR)/bench.json --benchmark_out_format=json
	@if [ -x $(BUILD_DIR)/export-venv/bin/python ]; then \
	  $(BUILD_DIR)/export-venv/bin/python bench/torch_block.py $(BUILD_DIR)/torch_block.json && \
	  $(BUILD_DIR)/bin/attune-compile bench/kernels/attention.mlir --target=cpu --cpu=native \
	    --shared -o $(BUILD_DIR)/bench/libattention.so && \
	  $(BUILD_DIR)/export-venv/bin/python bench/torch_attention.py \
	    $(BUILD_DIR)/bench/libattention.so $(BUILD_DIR)/torch_attention.json; \
	else echo "bench: no $(BUILD_DIR)/export-venv (scripts/export-models.sh): no PyTorch rows"; fi
	python3 bench/report.py $(BUILD_DIR)/bench.json bench \
	  "make bench  # env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE build/bin/attune-bench $(BENCH_FLAGS); bench/torch_block.py; bench/torch_attention.py" \
	  $(BUILD_DIR)/torch_block.json $(BUILD_DIR)/torch_attention.json

# The GPU check's kernels (bench/gpu/kernels.mlir), built where there is no
# GPU: a cubin when ptxas is installed (PTX for the driver to compile
# otherwise) inside the C launcher, as a shared library for
# bench/gpu/device_check.sh to load on a GPU machine.
GPU_ARCH ?= sm_90a
gpu-check-build: build
	@scripts/gpu-check-build.sh $(BUILD_DIR) $(GPU_ARCH)

# The same check on this machine: the GPU kernels run by the CUDA emulator
# (lib/Target/GPU/Emulator) through their launcher; needs PyTorch.
gpu-check-emulated: build
	@scripts/gpu-check-emulated.sh $(BUILD_DIR) sync
	@scripts/gpu-check-emulated.sh $(BUILD_DIR) wgmma
	@scripts/gpu-check-emulated.sh $(BUILD_DIR) tma
	@scripts/gpu-check-emulated.sh $(BUILD_DIR) overlap
	@scripts/gpu-check-emulated.sh $(BUILD_DIR) specialize

fuzz: build
	mkdir -p $(BUILD_DIR)/fuzz-corpus
	$(BUILD_DIR)/bin/attune-fuzz -max_total_time=$(FUZZ_SECONDS) \
	  $(BUILD_DIR)/fuzz-corpus test/Fuzz/Inputs/corpus

# Regenerates the op and pass documentation checked in under docs/.
docs: configure
	ninja -C $(BUILD_DIR) mlir-doc
	cp $(BUILD_DIR)/docs/Attn/AttnDialect.md docs/AttnDialect.md
	cp $(BUILD_DIR)/docs/AttuneConversionPasses.md docs/Passes.md
	cp $(BUILD_DIR)/docs/AttnTransformPasses.md docs/TransformPasses.md

clean:
	rm -rf $(BUILD_DIR)
