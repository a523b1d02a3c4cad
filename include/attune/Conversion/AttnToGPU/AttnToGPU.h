//===- AttnToGPU.h - fused NVIDIA GPU kernels of attn ops -------*- C++ -*-===//
//
// attn.attention becomes a FlashAttention-2 shaped kernel (gpu.func): one
// thread block per (query tile, query head, batch row), warps splitting the
// query tile by 16 rows, key/value tiles streamed through shared memory with
// cp.async double buffering, QK^T and PV on tensor cores (ldmatrix +
// mma.sync m16n8k16, f16 or bf16 with f32 accumulators) and the online
// softmax in registers. Variants come from TileSemantics, as on the CPU.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
#define ATTUNE_CONVERSION_ATTNTOGPU_ATTNTOGPU_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace func {
class FuncOp;
} // namespace func
namespace attn {
class AttentionOp;
class AttentionOpInterface;
} // namespace attn

namespace attune {

/// The tensor-core instructions of the GPU kernel.
enum class GPUMma {
  /// mma.sync m16n8k16 per warp, operands through ldmatrix (sm_80 and
  /// later).
  Sync,
  /// wgmma.mma_async m64nNk16 per warpgroup (4 warps), operands read from
  /// shared memory through matrix descriptors (sm_90a only).
  Wgmma,
};

/// Tile shape of the GPU kernel: `warps` warps of 16 query rows each per
/// thread block, `kvTile` keys per shared-memory tile, multiplied with `mma`.
struct GPUTiling {
  int64_t warps = 4;
  int64_t kvTile = 64;
  GPUMma mma = GPUMma::Sync;
  /// With wgmma: K and V tiles through the tensor memory accelerator
  /// (cp.async.bulk.tensor on tensor maps the launcher encodes, completion
  /// on mbarriers) instead of cp.async, where the kernel allows it (not for
  /// ragged kv_lengths or the segments of prefix attention).
  bool tma = false;
  /// With the TMA: K and V buffers in the pipeline (2: double buffering).
  /// Each buffer's consumers release it on an mbarrier of its own, which
  /// the issuing thread waits for; no block barrier per key tile.
  int64_t stages = 2;
  /// With the TMA (and at least 3 stages): FlashAttention-3's
  /// intra-warpgroup overlap. Step j issues S_j = Q K_j^T, then the P V of
  /// the previous step, and computes the softmax of S_j while that P V
  /// runs; a buffer is released once its P V completed, a step later.
  bool overlap = false;
  /// With the TMA: FlashAttention-3's warp specialization. A producer
  /// warpgroup after the `warps` consumer warps (128 more threads a block)
  /// issues every load, waiting for the consumers' releases; the consumers
  /// never load, and with two consumer warpgroups `setmaxnreg` moves the
  /// producer's registers to them (24 and 240 a thread).
  bool warpSpecialize = false;
  /// With the overlap and two or more consumer warpgroups: FlashAttention-3's
  /// ping-pong. Warpgroup w issues a step's products after warpgroup w - 1
  /// issued its own (named barriers), so that their softmaxes alternate
  /// with their products on the tensor cores.
  bool pingPong = false;
};

/// "sync" or "wgmma" as GPUMma; std::nullopt otherwise.
std::optional<GPUMma> parseGPUMma(StringRef name);

/// Names of the attributes a generated kernel carries for its launcher.
struct GPUKernelAttrs {
  /// i64 array: the host function argument each memref parameter reads.
  static constexpr const char *hostArgs = "attune.host_args";
  /// i64 array of (parameter, dimension) pairs: the sizes after B, Lq, Lk
  /// (block lists' q_blocks and capacities), each the extent of that
  /// dimension of that parameter's host argument.
  static constexpr const char *extraSizes = "attune.extra_sizes";
  /// The block lists' query block size (absent without lists).
  static constexpr const char *queryBlock = "attune.query_block";
  /// The kernel that merges split-KV chunks (grid ceil(B * Hq * Lq * Dv /
  /// 256), 256 threads): its name.
  static constexpr const char *mergeKernel = "attune.merge_kernel";
  /// Query rows per thread block; threads per block; dynamic shared bytes.
  static constexpr const char *blockRows = "attune.block_rows";
  static constexpr const char *threads = "attune.threads";
  static constexpr const char *sharedBytes = "attune.shared_bytes";
  /// Number of query heads, and how many share one block (a KV group
  /// packed into the tile's rows, or 1): the grid's y extent is their
  /// quotient, its x extent ceil(Lq * heads_per_block / block_rows).
  static constexpr const char *queryHeads = "attune.query_heads";
  static constexpr const char *headsPerBlock = "attune.heads_per_block";
  /// Prefix attention, on the first segment's kernel: the later segments'
  /// kernels, in order (string array). Each segment's kernel writes its
  /// slots of the workspace (one, grid z = B; or one per key chunk, grid z =
  /// the chunks, when stacked) and the merge kernel combines the slots.
  static constexpr const char *segmentKernels = "attune.segment_kernels";
  /// Prefix attention's shared segment: the batch rows stacked into the
  /// tiles' rows, grid (ceil(B * Lq * G / block_rows), Hq / G, C) for C key
  /// chunks, chunk c writing workspace slot (number of segments - 1) + c.
  static constexpr const char *stackedRows = "attune.stacked_rows";
  /// Prefix attention's segment whose mask is positioned on the
  /// concatenation: two more index parameters after S, the segment's key
  /// offset there and the concatenation's length.
  static constexpr const char *positionedKeys = "attune.positioned_keys";
  /// With positionedKeys, under ragged suffixes: each row's concatenation
  /// ends where its suffix does. One more index parameter, the ragged (last)
  /// segment's key offset, and the suffix lengths among the host arguments:
  /// row b's length is min(offset + max(suffix_lengths[b], 0), the
  /// concatenation's length).
  static constexpr const char *raggedConcatenation =
      "attune.ragged_concatenation";
  /// TMA: the kernel's first two parameters are tensor maps (CUtensorMap,
  /// 128 bytes by value) of K and V, each viewed as [B * Hkv, Lk, D] with
  /// boxes of 64 head-dim columns by this many keys (i64), 128-byte
  /// swizzle.
  static constexpr const char *tensorMapRows = "attune.tensor_map_rows";
};

/// Whether the kernels can be built for NVIDIA architecture `chip`: one
/// LLVM's NVPTX backend knows, sm_80 or later (cp.async, ldmatrix and
/// mma.sync m16n8k16 for f16 and bf16).
bool isSupportedCudaArch(StringRef chip);

/// The most dynamic shared memory a block may opt into on `chip` (bytes).
int64_t maxSharedBytes(StringRef chip);

/// Dynamic shared memory the kernel of `op` needs with `tiling` (bytes): a
/// Q tile and two K and V tiles, rows padded by 16 bytes (mma.sync); or
/// unpadded core matrices or swizzled rows (wgmma), with the TMA's deeper
/// pipelines, mbarriers and alignment slack.
int64_t sharedBytesFor(attn::AttentionOpInterface op, const GPUTiling &tiling);

/// The tiling for `op` on `chip`: `requested`, or with fewer pipeline
/// stages (down to 2), then warps and kv-tile halved until the tiles fit the
/// chip's shared memory (wgmma: down to one warpgroup), then kv-tile alone
/// down to 16 * warps.
GPUTiling fitTiling(attn::AttentionOpInterface op, GPUTiling requested,
                    StringRef chip);

/// Whether the GPU path takes `op` with `tiling`; `why` says what it lacks.
bool canLowerToGPU(attn::AttentionOp op, const GPUTiling &tiling,
                   std::string &why);

/// Builds the kernel of `func` (one attn.attention on its arguments, results
/// written into memref arguments) as gpu.func @<func name> in `kernels`.
/// Parameters: one flat memref<?xT> per operand the op reads or writes (q, k,
/// v, out, then lse, alibi_slopes, bias, temperature, kv_lengths and the
/// block lists when present), the split-KV workspace (two f32 buffers), then
/// the batch, query length and key length (index), the block lists' extents
/// (`extra_sizes`) and the number of key chunks S. With S = 1 the kernel
/// writes out (and lse); with S > 1 (grid z = B * S) each block writes its
/// chunk's rows to the workspace and `<name>_merge` combines them. Launch:
/// grid (ceil(Lq * G / block_rows), Hq / G, B) with G = heads_per_block,
/// `threads` threads, `shared_bytes` dynamic shared memory. Emits a diagnostic
/// and fails on what the GPU path lacks.
LogicalResult buildAttentionKernel(func::FuncOp func, gpu::GPUModuleOp kernels,
                                   const GPUTiling &tiling);

/// Builds the kernels of `func`'s attn.prefix_attention (Hydragen): one
/// attention kernel per KV segment, @<func name> for the first and
/// @<func name>_segment<s> for the others, each reading its segment's
/// instance for its batch row and writing its slot of the split-KV
/// workspace (a shared segment stacked: a slot per key chunk, after the
/// others'), and @<func name>_merge, which merges the slots exactly. Emits a
/// diagnostic and fails on what the GPU path lacks.
LogicalResult buildPrefixAttentionKernels(func::FuncOp func,
                                          gpu::GPUModuleOp kernels,
                                          const GPUTiling &tiling);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
