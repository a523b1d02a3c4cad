//===- CPUPasses.td - the CPU lowering's passes ------------*- tablegen -*-===//
//
// From attn to linalg (the reference lowering) and to fused CPU code: the
// block-mask builder both backends use, and the clean-ups and vector
// passes of attune-cpu-pipeline. Included by Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_CPUPASSES_TD
#define ATTUNE_CONVERSION_CPUPASSES_TD

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
    of the same loop: keys and head-dim chunks in lanes, Q K^T one row at a
    time, P V over blocks of up to four rows (each V chunk loaded once per
    block), so every lane works and each K/V element is read from memory
    once per group.

    Inputs in f16/bf16 are widened to f32 one key tile at a time; with
    `bf16-dot`, bf16 inputs stay bf16 and both products run on AVX-512 BF16
    dot products (`x86vector.avx512.dot`), with the probabilities rounded to
    bf16 before the second one, as FlashAttention does. With `amx` as well,
    query tiles run both products on AMX tiles (`amx.tile_mulf`: 16x16 f32
    tiles of K x paired Q, and of V^T x paired P^T, V^T made once per call
    into a heap buffer); D must be a multiple of 32 and Dv of 16, else the
    dot-product kernels run.

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
           "kernel (keys in lanes; 0: never)">,
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
    Option<"amx", "amx", "bool", /*default=*/"false",
           "With bf16-dot, the query-tile kernel's products on AMX tiles "
           "(tdpbf16ps; the target must have amx-tile and amx-bf16)">,
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
    "::mlir::amx::AMXDialect",
    "::mlir::LLVM::LLVMDialect",
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

def SplitBf16Truncations : Pass<"attune-split-bf16-truncations"> {
  let summary = "Truncate to bf16 from f64 through f32 (constants exactly)";
  let description = [{
    `arith-expand{include-bf16}` writes the truncation from f32 to bf16 as
    integer arithmetic, so that objects need no runtime library on CPUs
    without bf16 conversion instructions (LLVM otherwise calls compiler-rt's
    `__truncsfbf2`, which libgcc lacks). It takes f32 operands only; models
    exported in bf16 also truncate f64 constants (a norm's epsilon) to bf16.
    This pass folds a truncation of a constant (scalar or splat) into the
    bf16 constant, rounded to nearest even from the f64 value, and writes any
    other truncation to bf16 from a wider type as one to f32 followed by one
    to bf16 (which may round twice: only for values within half an f32 ulp
    of a bf16 rounding boundary).

    ```mlir
    %t = arith.truncf %cst : f64 to bf16   // %cst = 1.0e-05 : f64
    // becomes
    %t = arith.constant 1.001360e-05 : bf16
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // ATTUNE_CONVERSION_CPUPASSES_TD
