//===- GPUPasses.td - the NVIDIA GPU lowering's passes -----*- tablegen -*-===//
//
// From attn to fused NVIDIA GPU kernels, their fast math, the tensor maps'
// kernel parameters, and the CUDA emulator's lowering. Included by
// Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_GPUPASSES_TD
#define ATTUNE_CONVERSION_GPUPASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToGPU : Pass<"convert-attn-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower attn.attention and attn.prefix_attention to fused "
                "NVIDIA GPU kernels (tensor cores)";
  let description = [{
    Every function holding one `attn.attention` on its arguments (results
    written into memref arguments with `bufferization.materialize_in_destination`,
    the form `attune-compile` takes) becomes a kernel `gpu.func` of the same
    name in `gpu.module @attune_kernels`, in FlashAttention-2 shape:

    - one thread block per (query tile, query head, batch row, key chunk):
      grid `(ceil(Lq * G / (16 * warps)), Hq / G, B * S)`, `32 * warps`
      threads; warp `w` owns 16 rows of the tile. G query heads of a KV
      group share a block when they share a mask (GQA packing: packed row
      `p` is position `p / G` of head `G * y + p % G`, and K / V are read
      once per group);
    - Q fragments loaded once (`nvgpu.ldmatrix`; reloaded per k-step past
      D = 128 so that nothing spills), key and value tiles of `kv-tile` rows
      streamed through dynamic shared memory by `nvgpu.device_async_copy`
      (cp.async, 16 bytes each, rows past the end zero-filled) with double
      buffering and one barrier per tile; shared rows padded by 16 bytes
      against bank conflicts;
    - QK^T and PV as `nvvm.mma.sync` m16n8k16 (f16 or bf16, f32
      accumulators): the score accumulators, packed to 16 bits, are the A
      operand of the PV product without a trip through shared memory;
    - online softmax in registers (row maxima across the four lanes of a row
      by shuffles, running sums per lane reduced at the end) or sigmoid
      weights; a row without a visible key writes 0 and LSE -inf;
    - masks, sink tokens, windows (per head too), softcap, ALiBi, additive
      bias, per-query temperature, score_mod / mask_mod regions, ragged
      `kv_lengths` and head maps come from TileSemantics, block-sparse lists
      from the same BlockListWalk as the CPU: key tiles outside the mask or
      the lists are not visited, tiles entirely visible skip the
      per-element mask;
    - split-KV: with S > 1 key chunks (the launcher's run-time choice when
      the grid does not fill the GPU) each block handles a chunk of its key
      tiles and writes f32 rows and LSEs to a workspace; `@<name>_merge`
      combines them exactly (LSE weights; sigmoid: sums);
    - prefix-shared attention (`attn.prefix_attention`, Hydragen): one such
      kernel per KV segment, `@<name>` for the first and
      `@<name>_segment<s>` for the others (listed in
      `attune.segment_kernels`), each reading its segment's instance for its
      batch row (row 0 of a shared segment, the row's own of a per-row one,
      a table entry of a tree level) and writing its workspace slot; a
      shared segment before the last stacks every batch row into its tiles'
      rows (the prefix read once for all rows, `attune.stacked_rows`) and
      splits its keys into chunks the launcher picks (grid z), a slot each;
      the merge kernel combines the slots exactly. A segment the mask hides
      in part (causal prefill, windows, sinks) takes its key offset and the
      concatenation's length and applies the mask at its keys' positions
      there (`attune.positioned_keys`; every segment under per-head masks;
      under sigmoid every segment takes the concatenation's length, its
      default bias being -log of it); the last takes the ragged suffix
      lengths.

    Kernel parameters: a flat `memref<?xT>` per operand (q, k, v, out, then
    lse, alibi_slopes, bias, temperature, kv_lengths, block lists when
    present), the split-KV workspace (two `memref<?xf32>`), then B, Lq, Lk,
    the block lists' extents and S. Read-only operands that are constants
    (block lists `attn-build-block-mask` computed at compile time, a constant
    bias) are embedded as `memref.global`s instead of parameters. The kernel records its launch
    (`attune.block_rows`, `attune.threads`, `attune.shared_bytes`,
    `attune.query_heads`, `attune.heads_per_block`, `attune.extra_sizes`,
    `attune.merge_kernel`) and which host argument each parameter reads
    (`attune.host_args`); the host function becomes a private declaration
    marked `attune.gpu_kernel`, implemented by the C launcher
    `attune-compile --target=cuda` writes.

    Not yet on this path (a diagnostic names the feature): f32 operands,
    regions capturing values other than constants and the operands' sizes
    (captured constants are cloned into the kernel, `tensor.dim` of Q, K or V
    and pure arith / math on them recomputed there), head dims that are not
    multiples of 8, block
    sizes that do not hold whole tiles, ragged prefix suffixes with
    positioned segments.

    With `mma=wgmma` (chip sm_90a only) the same kernel multiplies with
    `nvvm.wgmma.mma_async` m64nNk16 per warpgroup (4 warps, 64 rows; `warps`
    a multiple of 4): Q, K and V are copied into unpadded 8x8 core matrices
    that matrix descriptors read (no swizzle; V N-major through the transpose
    flag), P stays in registers as the A operand of P V (FlashAttention-3's
    form; inline PTX, as the NVVM op takes A only from shared memory), and
    every thread fences the async proxy (`fence.proxy.async.shared::cta`)
    after its copies land, before the barrier. The
    accumulators lie as mma.sync's, so every variant above is shared.

    With `tma=true` as well, the K and V tiles come through the tensor
    memory accelerator instead of cp.async, and every wgmma operand tile
    (Q, K, V) has the 128-byte swizzle (rows of 64 columns whose 16-byte
    chunks are permuted by the row modulo 8; descriptors of layout type 1):
    the kernel's first two parameters are the tensor maps of K and V (viewed
    as [B * Hkv, Lk, D], boxes of 64 head-dim columns by `kv-tile` keys,
    swizzled; the launcher encodes them with cuTensorMapEncodeTiled and
    `attune-gpu-tensor-map-params` passes them by value), thread 0 issues
    `nvvm.cp.async.bulk.tensor` loads of the next tile at the start of each
    step, and the K and V tiles of each buffer complete on an mbarrier of
    their own (`nvvm.mbarrier.arrive.expect_tx`, waited for with
    `nvvm.mbarrier.try_wait.parity` just before S = Q K^T and before
    O += P V). `stages` buffers are in flight (the prologue loads
    stages - 1 tiles); each thread releases its buffer on a third mbarrier
    (`nvvm.mbarrier.arrive`) after its P V, and thread 0 waits for that
    before loading the buffer again: no block barrier per key tile. Keys past Lk and columns past D are zero-filled by the TMA.
    Kernels with ragged `kv_lengths` and the segments of prefix attention
    are built as with `mma=wgmma` alone.

    With `overlap=true` as well (`stages` at least 3), FlashAttention-3's
    intra-warpgroup pipelining: step j issues S_j = Q K_j^T, rescales O and
    issues the previous step's O += P V (P kept in registers across the
    step), waits for S_j alone (`wgmma.wait_group 1`), computes its mask
    and softmax while that P V runs, then waits for it and releases the
    previous step's buffer; thread 0 loads the next tile into it at the end
    of the step. A skipped step, and the end of the loop, issue the pending
    P V first.

    With `warp-specialize=true` (and `tma=true`), FlashAttention-3's warp
    specialization: a producer warpgroup follows the `warps` consumer warps
    (128 more threads a block). After the mbarriers' initialization and a
    block barrier the roles part in one `scf.if`: the consumers copy Q,
    share it at named barrier 1 over their own threads and run the step
    loop without loads (waits and releases only); the producer's first
    thread runs its own loop over the same steps, loading step k into
    buffer k % stages once the consumers released that buffer's use at step
    k - stages (`stages` tiles in flight). With two or more consumer
    warpgroups `nvvm.setmaxregister` moves registers from the producer (24,
    or 40 when it walks block lists) to the consumers (what that leaves of
    64K, at most 240); one consumer warpgroup already starts with 255 and
    neither role changes its share.

    With `ping-pong=true` (and `overlap=true`), FlashAttention-3's ping-pong
    between two or more consumer warpgroups: warpgroup w waits at named
    barrier 2 + w (`nvvm.barrier`, 256 threads) before issuing a step's
    products and passes the turn on to warpgroup w + 1 (`nvvm.barrier.arrive`
    on its barrier) once they are issued, so that one warpgroup's softmax
    runs while the other's products occupy the tensor cores; the last
    warpgroup passes the first turn before the loop. With one consumer
    warpgroup the option changes nothing.

    Tiles are sized for `chip`: when the requested warps and key tile need
    more shared memory than the architecture allows a block, both halve
    (warps down to 1, or one warpgroup with wgmma), then the key tile alone
    (down to 16 * warps), until they fit.
  }];
  let options = [
    Option<"warps", "warps", "int64_t", /*default=*/"4",
           "Warps per thread block (16 query rows each)">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per shared-memory tile (a multiple of 16 * warps)">,
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "The NVIDIA architecture the kernels are for (sm_80 or later; "
           "anything else is an error)">,
    Option<"mma", "mma", "std::string", /*default=*/"\"sync\"",
           "Tensor-core instructions: sync (mma.sync per warp, sm_80 and "
           "later) or wgmma (wgmma.mma_async per warpgroup, sm_90a only)">,
    Option<"tma", "tma", "bool", /*default=*/"false",
           "With mma=wgmma: K and V tiles through the TMA (tensor maps, "
           "mbarriers) instead of cp.async">,
    Option<"stages", "stages", "int64_t", /*default=*/"2",
           "With tma=true: K and V buffers in flight (2 to 8)">,
    Option<"overlap", "overlap", "bool", /*default=*/"false",
           "With tma=true and stages of 3 or more: each step's softmax "
           "overlaps the previous step's P V on the tensor cores "
           "(FlashAttention-3's intra-warpgroup pipelining)">,
    Option<"warpSpecialize", "warp-specialize", "bool", /*default=*/"false",
           "With tma=true: a producer warpgroup (128 more threads) issues "
           "the TMA loads; the consumer warpgroups only compute "
           "(FlashAttention-3's warp specialization, setmaxnreg)">,
    Option<"pingPong", "ping-pong", "bool", /*default=*/"false",
           "With overlap=true: the consumer warpgroups take turns issuing "
           "their products (named barriers), so that one's softmax runs "
           "beside the other's products (FlashAttention-3's ping-pong)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def GPUFastMath : Pass<"attune-gpu-fast-math"> {
  let summary = "exp2, exp, log and tanh on the GPU's special function unit";
  let description = [{
    Rewrites f32 `math.exp2`, `math.exp`, `math.log` and `math.tanh`
    (scalars, or vectors unrolled into scalars) for NVIDIA GPUs:
    `exp2(x) = ex2.approx(x)`, `exp(x) = ex2.approx(x * log2 e)`,
    `log(x) = lg2.approx(x) * ln 2` and `tanh(x) = 1 - 2 / (exp(2x) + 1)`,
    through the `llvm.nvvm.ex2.approx.ftz.f32` and `llvm.nvvm.lg2.approx.ftz.f`
    intrinsics: one MUFU instruction each, as FlashAttention does, and no
    libdevice call (kernels then build without the CUDA toolkit). The
    approximations are accurate to about 2 ulp, inside attention's error
    budget; subnormal results flush to zero. f32 `arith.divf` becomes
    `div.full.f32` (`llvm.nvvm.div.full`: full range, within 2 ulp, a
    reciprocal and a few instructions, where the IEEE `div.rn.f32` calls a
    subroutine per element), and `1 / y` `rcp.approx.ftz.f32` (one
    MUFU.RCP, 1 ulp, subnormal `y` flushed: the sigmoid's `1 / (1 + e)` a
    score), f32
    `math.fma` LLVM's `fma` (one FFMA) and integer `math.absi`
    `max(x, -x)`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def GPUTensorMapParams : Pass<"attune-gpu-tensor-map-params",
                              "::mlir::gpu::GPUModuleOp"> {
  let summary = "Pass the kernels' TMA tensor maps by value";
  let description = [{
    Runs after the lowering to the NVVM dialect. A kernel that
    `convert-attn-to-gpu tma=true` built (`attune.tensor_map_rows`) takes
    the tensor maps of K and V as its first two parameters; this pass makes
    them what the TMA requires: 128-byte `llvm.byval` parameters aligned to
    64 bytes and marked `nvvm.grid_constant`, so that the kernel addresses
    them in the parameter space (`cvta.param`) instead of copying them to
    local memory. The launcher passes a pointer to each CUtensorMap in
    cuLaunchKernel's parameter array, which the driver copies by value.
    Other functions are left alone.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

def ConvertGPUToEmulator : Pass<"attune-convert-gpu-to-emulator",
                                "::mlir::ModuleOp"> {
  let summary = "GPU kernels as CPU code over the CUDA emulator's runtime";
  let description = [{
    Checks the GPU kernels' numerics on a machine without a GPU. Every
    `gpu.func` of the module's `gpu.module`s becomes a CPU function (LLVM
    dialect) that runs one GPU thread; the host functions and the
    `gpu.module`s are dropped (the launcher implements the host side). What
    a thread shares with its warp, its block or the launch becomes a call
    into the emulator's runtime (`lib/Target/GPU/Emulator`), which runs the
    threads of a block as cooperatively scheduled fibers: thread, block and
    grid ids, `gpu.barrier`, `gpu.shuffle`, `gpu.dynamic_shared_memory`,
    `nvgpu.ldmatrix` (with `.trans`), `nvvm.mma.sync` m16n8k16 (f16 and bf16,
    f32 accumulators), `nvgpu.device_async_copy` with its groups and waits
    (copies land at the wait, as late as the hardware may land them, so that
    a read before the wait sees stale data), named barriers (`nvvm.barrier`
    with an id and a thread count), and for sm_90a `nvvm.wgmma.mma_async`
    (f16 / bf16 from no-swizzle or 128-byte swizzled descriptors, f32
    accumulators) with `wgmma.fence`, its commit and wait groups and
    `nvvm.fence.proxy` (async.shared), the mbarriers (`nvvm.mbarrier.init`,
    `arrive.expect_tx`, `try_wait.parity`; `fence.mbarrier.init` goes) and
    tile-mode `nvvm.cp.async.bulk.tensor` loads (shared pointers pass as
    host addresses; a kernel with `attune.tensor_map_rows` gets its two
    tensor-map parameters by address, as the GPU gets them by value). Every `memref.store` / `vector.store` into workgroup
    memory is followed by a call the runtime uses to check the wgmma
    protocol (shared-memory writes fenced for the async proxy and behind a
    barrier before a wgmma reads them). The fast-math pass's
    `ex2.approx`, `lg2.approx`, `div.full` and `rcp.approx` become `exp2`,
    `log2` and divisions moved to the GPU's error bound (2 ulp, rcp 1 ulp,
    lg2 2^-22 absolute on [0.5, 2]; up or down as a hash of the inputs
    decides; exact for zero inputs; `.ftz` flushes subnormal inputs and
    results), so emulated kernels face the hardware's error. Each kernel
    `@k` becomes `void k(void **params)`, which the emulator's
    `cuLaunchKernel` calls with the launcher's parameter array (memrefs as
    expanded descriptors, as on the GPU). Expects vector, scf and affine
    already lowered (`attune-gpu-emulation-pipeline` does that first);
    anything else left is an error.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
  ];
}

#endif // ATTUNE_CONVERSION_GPUPASSES_TD
