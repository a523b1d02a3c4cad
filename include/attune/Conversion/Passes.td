//===- Passes.td - passes that leave the attn dialect ------*- tablegen -*-===//

#ifndef ATTUNE_CONVERSION_PASSES_TD
#define ATTUNE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower attn ops to the reference linalg form (materialized scores)";
  let description = [{
    The executable definition of the attn dialect's semantics: every attn op
    becomes plain `linalg.generic`s on tensors that materialize the full score
    matrix `[B, Hq, Lq, Lk]` in f32, apply score modifiers and the mask
    elementwise, normalize, and multiply by V. Slow (O(Lq * Lk) memory) and
    obviously right; it is the oracle every fast path is tested against.

    Before:

    ```mlir
    %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
        : (tensor<1x2x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>)
        -> tensor<1x2x4x8xf32>
    ```

    After (abridged):

    ```mlir
    %kx = linalg.generic ... // K gathered per query head: [B, Hq, Lk, D] f32
    %s = linalg.generic ...  // s[b,h,i,j] = sum_d q[b,h,i,d] * kx[b,h,j,d]
    %t, %vis = linalg.generic ... // scale, modifiers; visibility mask (i1)
    %m = linalg.generic ...  // m = max over visible j (-inf if none)
    %p = linalg.generic ...  // p = visible ? exp(t - m) : 0;  l = sum_j p
    %o = linalg.generic ...  // o = l == 0 ? 0 : (p @ vx) / l
    ```

    `attn.prefix_attention` is first expressed as `attn.attention` over the
    concatenated KV of each row; `attn.merge` becomes one elementwise generic.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertAttnToCPU : Pass<"convert-attn-to-cpu"> {
  let summary = "Lower attn.attention to the fused tiled online-softmax CPU loop nest";
  let description = [{
    Replaces each `attn.attention` with the FlashAttention-2 loop on buffers:
    an `scf.parallel` over (batch, KV group, query tile), and inside it a loop
    over the key tiles the mask leaves visible, with a running max and sum per
    query row (or a plain sum for sigmoid) and O(tile) scratch on the stack.
    The rows of a query tile sit in vector lanes, so the row statistics are
    vectors and the two products are broadcast-and-FMA micro-kernels over K
    and V as they lie in memory. Query heads of one KV group share a tile, so
    each K/V element is read once per group. Key tiles that the mask hides are
    never visited; only partly visible tiles are masked element by element.
    KV groups with few query rows (decode: `decode-rows`) take a second form
    of the same loop: rows one at a time, keys and head-dim chunks in lanes,
    so every lane works and the KV cache streams at memory speed.

    Inputs in f16/bf16 are widened to f32 one key tile at a time; with
    `bf16-dot`, bf16 inputs stay bf16 and both products run on AVX-512 BF16
    dot products (`x86vector.avx512.dot`), with the probabilities rounded to
    bf16 before the second one, as FlashAttention does.

    Before:

    ```mlir
    %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
        : (tensor<?x8x?x128xf32>, tensor<?x2x?x128xf32>, tensor<?x2x?x128xf32>)
        -> tensor<?x8x?x128xf32>
    ```

    After (abridged):

    ```mlir
    %q_buf = bufferization.to_buffer %q read_only ...
    scf.parallel (%b, %g, %t) = ... {
      memref.alloca_scope {
        %qt = memref.alloca() : memref<128x64xf32>    // scaled Q^T of the tile
        %s = memref.alloca() : memref<64x64xf32>      // S^T, then P^T
        %ot = memref.alloca() : memref<128x64xf32>    // O^T accumulator
        %m, %l = scf.for %kt = ... iter_args(%m0 = -inf, %l0 = 0) {
          ... vector.fma ...                           // S^T = K Qt
          scf.if %partial { ... arith.select ... }     // mask diagonal tiles
          ... math.exp ...                             // online softmax
          ... vector.fma ...                           // Ot = alpha Ot + V^T P^T
        }
        ...                                            // O = Ot^T / l, LSE
      }
    }
    %o = bufferization.to_tensor %out_buf restrict writable ...
    ```

    Every variant of the op goes through the same loop: masks (causal,
    windows, sinks, per head), GQA / MQA / explicit head maps, softmax or
    sigmoid, scale, temperature, softcap, ALiBi, additive bias (gathered per
    score), `score_mod` / `mask_mod` regions (inlined in vector form), and
    FlexAttention block lists (only listed key blocks are visited, full ones
    without the mask; the lists are read as sets).

    Not fused (left for `convert-attn-to-linalg`, or an error with
    `fallback=false`): regions holding non-elementwise ops, block lists
    whose query blocks are not a multiple of a vector of rows (or key blocks
    that do not tile), `attn.prefix_attention` and `attn.merge`.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16: AVX-512, 8: AVX2)">,
    Option<"queryVectors", "query-vectors", "int64_t", /*default=*/"4",
           "Vectors of query rows per tile (tile height = lanes * this)">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per key tile">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"4",
           "Keys (QK^T) or value columns (PV) per micro-kernel pass">,
    Option<"decodeRows", "decode-rows", "int64_t", /*default=*/"8",
           "KV groups with at most this many query rows take the decode "
           "kernel (rows one by one, keys in lanes; 0: never)">,
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"0",
           "Split-KV chunks of the decode kernel, merged exactly (0: chosen "
           "at run time from Lk, batch x KV groups and the thread count; 1: "
           "never)">,
    Option<"openmpThreads", "openmp-threads", "bool", /*default=*/"false",
           "The run-time split-KV choice reads the thread count from OpenMP "
           "(omp_get_max_threads; false: one thread)">,
    Option<"bf16Dot", "bf16-dot", "bool", /*default=*/"false",
           "bf16 inputs through AVX-512 BF16 dot products (vdpbf16ps; the "
           "target must have avx512_bf16; needs lanes=16)">,
    Option<"fallback", "fallback", "bool", /*default=*/"true",
           "Leave ops the fused path cannot take for the reference lowering "
           "(false: report them as errors)">,
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def BuildBlockMask : Pass<"attn-build-block-mask"> {
  let summary = "Give attention with a mask_mod region block lists computed from it";
  let description = [{
    FlexAttention's `create_block_mask` as a rewrite. For each
    `attn.attention` with a `mask_mod` region and no block lists, IR placed
    before the op evaluates the visibility (mask attribute and region) of
    every element of every (query block, key block) pair and builds the
    lists: blocks whose elements are all visible go to the full list (the
    fused kernels skip masking them), blocks with some visible elements to
    the partial list, the rest are never visited. The lists are per (batch,
    head) when the region reads `b` or `h` or heads have their own masks,
    shared otherwise. The op's results are unchanged.

    When the query and key lengths (and the batch, for per-row lists) are
    static, there are no ragged `kv_lengths`, the region is integer
    arithmetic and there are at most 2^24 scores, the lists are computed at
    compile time (the region interpreted, the mask attribute's
    `isVisible`) and become `arith.constant`s. Otherwise IR placed before
    the op computes them at run time, for any shape, at the cost of one
    region evaluation per score.

    Before:

    ```mlir
    %o = attn.attention(%q, %k, %v) mask_mod { ... }
    ```

    After (abridged):

    ```mlir
    %nb, %idx, %fnb, %fidx = scf.for ... // classify every block pair
    %o = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx)
        {block_size = array<i64: 128, 128>} mask_mod { ... }
    ```
  }];
  let options = [
    Option<"qBlock", "q-block", "int64_t", /*default=*/"128",
           "Query rows per block">,
    Option<"kvBlock", "kv-block", "int64_t", /*default=*/"128",
           "Keys per block">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def LowerAllocaScopes : Pass<"attune-lower-alloca-scopes"> {
  let summary = "Bracket per-iteration stack scratch with stack save/restore";
  let description = [{
    The fused kernels allocate their tile scratch with `memref.alloca` in the
    body of an `scf.parallel` (an automatic allocation scope) or of a
    `memref.alloca_scope`. This pass makes the release explicit while control
    flow is still structured: each `memref.alloca_scope` without results
    becomes its body between `llvm.intr.stacksave` and
    `llvm.intr.stackrestore`, and so does each `scf.parallel` body that holds
    an alloca. Afterwards the scratch is released at the end of every
    iteration whether the loop becomes OpenMP work sharing or serial loops,
    and no multi-block `alloca_scope` region ever has to exist (lowering
    `scf` inside one would break its single-block rule).

    Run it after bufferization and buffer deallocation (which reject
    operations with unknown memory effects such as stack save/restore).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ExpandStridedCopies : Pass<"attune-expand-strided-copies"> {
  let summary = "Copy non-contiguous memrefs with loops, not a runtime call";
  let description = [{
    `memref.copy` between buffers of identity layout lowers to a `memcpy`;
    any other (a strided view of a transposed or sliced tensor, as
    bufferizing a whole model produces) lowers to a call to `memrefCopy` of
    MLIR's C runner utilities, a library the kernels' users do not have. This
    pass rewrites those copies as `linalg.copy`, which
    `convert-linalg-to-loops` turns into plain loops. Run it after
    bufferization.

    ```mlir
    memref.copy %a, %b : memref<4x8xf32, strided<[1, 4]>> to memref<4x8xf32>
    // becomes
    linalg.copy ins(%a : memref<4x8xf32, strided<[1, 4]>>)
                outs(%b : memref<4x8xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def BufferCache : Pass<"attune-buffer-cache", "::mlir::ModuleOp"> {
  let summary = "Reuse large heap buffers across calls (a per-thread cache)";
  let description = [{
    A compiled model allocates its temporaries on the heap and frees them on
    every call; at long sequence lengths they are tens of MB, which the C
    library gives back to the system on free, so that each call page-faults
    them in again. This pass adds to the module the allocation functions
    that `finalize-memref-to-llvm` calls in its generic-functions mode
    (`_mlir_memref_to_llvm_alloc`, `_mlir_memref_to_llvm_aligned_alloc`,
    `_mlir_memref_to_llvm_free`, internal to the object, written in the LLVM
    dialect): a freed block of 64 KiB or more goes to a per-thread cache of
    32 blocks (in place of the smallest when full, if larger), and an
    allocation takes back a cached block of at least its size and at most
    twice it; smaller blocks go straight to `aligned_alloc` / `free`. A
    thread keeps at most 32 blocks for its lifetime. Run it before
    `finalize-memref-to-llvm{use-generic-functions=1}` (attune-cpu-pipeline
    does, unless `cache-buffers=false`).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def FuseElementwise : Pass<"attune-fuse-elementwise"> {
  let summary = "Fuse the elementwise rest of a model, without recomputation";
  let description = [{
    A model's norms, rotary embeddings and activations come out of an
    exporter as one `linalg.generic` per PyTorch op, each writing a
    temporary the next reads. This pass fuses an elementwise producer into
    its consumer (upstream's elementwise fusion) where that costs no
    recomputation: the consumer reads the producer's result once per
    producer element (a permutation of its loops, no broadcast) and is the
    result's only user. A producer whose result is broadcast (a per-row
    norm factor, the rotary table read by every head) stays on its own, as
    fusing it would evaluate its body (libm calls) once per consumer
    element instead. Run it on tensors, before bufferization.

    ```mlir
    %sq = linalg.generic ins(%x) { x * x }          // [L, 64]
    %h = linalg.generic ins(%sq, %w) { sq * w }     // [L, 64]
    // becomes
    %h = linalg.generic ins(%x, %w) { x * x * w }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ParallelChunks : Pass<"attune-parallel-chunks"> {
  let summary = "Split a model's linalg ops into chunks across threads";
  let description = [{
    What a model computes beside attention (projections, MLP, norms,
    rotary embeddings, activations) is one linalg op after another at the
    top of its function, each on one thread unless split. This pass splits
    every such op (`linalg.generic`, `matmul`, `transpose`, `broadcast` on
    tensors) with a parallel dim of a dynamic extent or of at least two
    chunks, and work enough to pay for a parallel region (a dynamic extent
    or at least 2^15 iterations, and at least 2^12 a chunk), into chunks of
    `rows` along the first such dim: an `scf.forall`
    over the chunks, which attune-cpu-pipeline runs on OpenMP threads
    (`scf-forall-to-parallel`, then OpenMP). Ops nested in loops or regions
    (the fused attention's) are left alone. Run it on tensors, before
    attune-vectorize-contractions, which tiles the chunks of a matmul as it
    would the whole.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) ...
    // becomes
    %y = scf.forall (%i) = (0) to (%l) step (64) shared_outs(%o = ...) {
      %c = linalg.matmul ins(%x[%i, 0] [min(64, %l - %i), 64], %w) ...
      scf.forall.in_parallel { tensor.parallel_insert_slice %c into %o ... }
    }
    ```
  }];
  let options = [
    Option<"rows", "rows", "int64_t", /*default=*/"64",
           "Extent of a chunk along the split dim">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::affine::AffineDialect",
  ];
}

def VectorizeContractions : Pass<"attune-vectorize-contractions"> {
  let summary = "Tile and vectorize the matmuls a model keeps beside attention";
  let description = [{
    What a whole model holds besides attention (the projections and the MLP:
    `linalg.matmul` on tensors, static columns and reduction) would
    otherwise become scalar loops. This pass tiles each into register
    blocks of `rows` x `cols` results and one step of the reduction, and
    vectorizes every tile: a column of A broadcast against a row of B,
    multiplied and added to the block (the outer-product form of the fused
    attention kernels' micro-kernels), with 1-D transfers; the block is read
    before the reduction loop and carried through it as a vector (in
    registers), written once after it. A dynamic row count (a model's
    sequence length) is tiled the same and the loop over row blocks peeled:
    full blocks vectorize, the last partial one stays a loop nest. A
    batched product against a weight broadcast over the batch (how
    exporters write a projection for a symbolic batch) becomes one matmul of
    the stacked rows first. Run it on tensors, before bufferization (and
    after attune-parallel-chunks, whose chunks it tiles as any matmul); dynamic columns or reduction, and batched
    products (whose 3-D transfers would lower through stack buffers), are
    left to the loops.

    ```mlir
    %r = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x32xf32>) ...
    // becomes, per 8 x 16 block, the block %c0 read before the k loop:
    scf.for %k ... iter_args(%acc = %c0) -> (vector<8x16xf32>) {
      %a = vector.transfer_read %x_k ... : tensor<8x1xf32>, vector<8x1xf32>
      %b = vector.transfer_read %w_k ... : tensor<1x16xf32>, vector<1x16xf32>
      %p = arith.mulf (broadcast a), (broadcast b) : vector<8x16x1xf32>
      %c = arith.addf %acc, (shape_cast p) : vector<8x16xf32>
      scf.yield %c : vector<8x16xf32>
    }
    ```
  }];
  let options = [
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Result rows per register block">,
    Option<"cols", "cols", "int64_t", /*default=*/"16",
           "Result columns per register block (one vector)">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ApproximateMath : Pass<"attune-approximate-math"> {
  let summary = "Replace exp, tanh and log with polynomial approximations";
  let description = [{
    Rewrites `math.exp`, `math.tanh` and `math.log` (scalar or vector, f32)
    into the polynomial approximations of upstream MLIR, which vectorize: the
    fused kernels' exponentials then stay in vector registers instead of
    becoming one libm call per lane. Accuracy is within a few ulp in f32,
    well inside the error budget of attention (FlashAttention's rule).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

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
  let summary = "exp, log and tanh on the GPU's special function unit";
  let description = [{
    Rewrites f32 `math.exp`, `math.log` and `math.tanh` (scalars, or vectors
    unrolled into scalars) for NVIDIA GPUs: `exp(x) = ex2.approx(x * log2 e)`,
    `log(x) = lg2.approx(x) * ln 2` and `tanh(x) = 1 - 2 / (exp(2x) + 1)`,
    through the `llvm.nvvm.ex2.approx.ftz.f32` and `llvm.nvvm.lg2.approx.ftz.f`
    intrinsics: one MUFU instruction each, as FlashAttention does, and no
    libdevice call (kernels then build without the CUDA toolkit). The
    approximations are accurate to about 2 ulp, inside attention's error
    budget; subnormal results flush to zero. Integer `math.absi` becomes
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
    `ex2.approx` and `lg2.approx` become exact `exp2` and `log2`. Each kernel
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

#endif // ATTUNE_CONVERSION_PASSES_TD
