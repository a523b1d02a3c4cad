//===- GPUKernel.h - the kernels of the GPU path (private) ------*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: AttentionKernel.cpp emits the
// FlashAttention-2 body, MergeKernel.cpp the split-KV merge, BuildKernel.cpp
// the kernels' signatures, constants, launch attributes and the public API.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_GPUKERNEL_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_GPUKERNEL_H

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <optional>
#include <string>

namespace mlir {
namespace attune {
namespace detail {

constexpr int64_t kWarpRows = 16; // rows of one m16n8k16 A operand
constexpr int64_t kPad = 8;       // 16 bytes of padding per shared row
constexpr int32_t kMergeThreads = 256;

/// The operands of the op as the kernel's flat parameters.
struct KernelValues {
  Value q, k, v, out, lse, slopes, bias, temperature, kvLengths;
  /// Block-sparse lists and their extents (q_blocks, capacities).
  Value counts, indices, fullCounts, fullIndices;
  Value numQBlocks, capacity, fullCapacity;
  Value batch, qLen, kvLen;
  /// Split-KV: the number of key chunks S (1: the kernel writes `out`) and
  /// the f32 workspace of the partial results, [S, B, Hq, Lq, Dv] rows and
  /// [S, B, Hq, Lq] LSEs, that the merge kernel combines.
  Value splits, partialOut, partialLse;
  /// A segment of prefix attention (Hydragen): the kernel visits all its key
  /// tiles and writes workspace slot `slot`, whatever `splits` (grid z = B);
  /// the merge kernel combines the slots. (With `stackRows`, the first of
  /// its chunks' slots.)
  std::optional<int64_t> slot;
  /// The K / V batch row each query batch row reads: the same (null, false),
  /// row 0 (`sharedKv`: a segment shared by every row), or `kvBatchTable`'s
  /// entry (an i32 table: a segment shared by subsets of rows).
  bool sharedKv = false;
  Value kvBatchTable;
  /// With `sharedKv` and `slot`: the batch rows stacked into the tiles'
  /// rows (every row reads the same K / V: Hydragen's shared prefix read
  /// once for all of them); grid z = the key chunks (`splits`), chunk c
  /// writing slot `slot + c`. Needs no mask and no per-row operands.
  bool stackRows = false;
  /// A segment of prefix attention whose mask is positioned on the
  /// concatenation: its first key's position there and the concatenation's
  /// length (the mask's Lk). Every key tile is visited and masked per
  /// element; null otherwise.
  Value keyOffset, maskKvLen;
  /// ... under ragged suffixes: the suffix lengths and the ragged (last)
  /// segment's key offset; row b's concatenation is min(raggedOffset +
  /// max(suffixLengths[b], 0), maskKvLen) keys long. Null otherwise.
  Value suffixLengths, raggedOffset;
  /// TMA: the tensor maps of K and V (generic pointers to kernel
  /// parameters); null when the tiles come through cp.async.
  Value keyMap, valueMap;
};

/// How the shared block-list walk reads the kernel's flat list parameters
/// (lists [Bl, Hl, q_blocks(, capacity)], Bl and Hl = 1 broadcast) for
/// batch row `batch` and query head `head`.
BlockListAccess flatBlockListAccess(OpBuilder &b, Location loc,
                                    attn::AttentionOp op,
                                    const KernelValues &values, Value batch,
                                    Value head);

/// How buildKernelFor builds a kernel: its name, the merge kernel it names
/// (built along when `withMerge`), and for a segment of prefix attention its
/// workspace slot and which K / V batch row each query row reads (see
/// KernelValues).
struct KernelOptions {
  std::string name, mergeName;
  bool withMerge = true;
  std::optional<int64_t> slot;
  bool sharedKv = false;
  bool stackRows = false;
  /// Two more index parameters, the key offset and the concatenation's
  /// length (KernelValues::keyOffset, maskKvLen).
  bool positionedKeys = false;
  /// With positionedKeys: the op's suffix lengths when ragged (an argument
  /// of the function or a constant), and a third index parameter, the last
  /// segment's key offset (KernelValues::suffixLengths, raggedOffset).
  Value suffixLengths;
  SmallVector<int64_t> kvBatchRows;
};

/// Builds the kernel of `op` (in `func`, its operands arguments of `func`
/// or constants, its results written into arguments) as gpu.func
/// @`options.name` in `kernels`; see buildAttentionKernel for the parameters
/// and launch. Emits a diagnostic and fails on what the GPU path lacks.
LogicalResult buildKernelFor(func::FuncOp func, attn::AttentionOp op,
                             gpu::GPUModuleOp kernels, const GPUTiling &tiling,
                             const KernelOptions &options);

/// The variant semantics of `op` as the GPU kernel uses them: TileSemantics,
/// with the heads of a GQA group unpacked where they do not divide the
/// tile's rows and block lists need whole query blocks per tile.
std::optional<TileSemantics>
analyzeForGPU(attn::AttentionOp op, const GPUTiling &tiling, std::string &why);

/// Whether `value`, captured by a region of `op`, can be recomputed inside
/// the kernel: constants, tensor.dim of Q, K or V at a constant dimension,
/// and side-effect free arith / math ops on such values.
bool isRecomputable(attn::AttentionOp op, Value value);

/// Recomputes `value` (isRecomputable) at the builder from the kernel's
/// `values` (batch, Lq, Lk), memoized in `mapping`.
Value recompute(OpBuilder &b, attn::AttentionOp op, const KernelValues &values,
                Value value, IRMapping &mapping);

/// Emits the FlashAttention-2 kernel body of `op` at the builder (inside the
/// kernel's entry block) on `values`.
void emitAttentionKernel(OpBuilder &b, Location loc, attn::AttentionOp op,
                         const TileSemantics &sem, const GPUTiling &tiling,
                         const KernelValues &values);

/// Builds gpu.func @`name`, the split-KV merge of `op`'s kernel, at the
/// builder (inside the gpu.module).
void buildMergeKernel(OpBuilder &b, Location loc, attn::AttentionOp op,
                      StringRef name);

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_GPUKERNEL_H
