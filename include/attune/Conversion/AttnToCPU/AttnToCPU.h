//===- AttnToCPU.h - fused CPU lowering of attn ops -------------*- C++ -*-===//

#ifndef ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
#define ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/LogicalResult.h"

#include <cstdint>
#include <string>

namespace mlir {
class Operation;
class RewritePatternSet;
namespace attn {
class AttentionOp;
} // namespace attn

namespace attune {

/// Tile shape of the fused CPU kernel. A query tile holds `lanes *
/// queryVectors` rows (one f32 lane per row; lanes = 16 for AVX-512, 8 for
/// AVX2); short problems (at most `lanes` rows per KV head) use one vector.
/// Key tiles hold `kvTile` keys; micro-kernels block `rowBlock` keys (QK^T)
/// or value columns (PV) per pass over the query vectors.
struct FusedCPUTiling {
  int64_t lanes = 16;
  int64_t queryVectors = 4;
  int64_t kvTile = 64;
  int64_t rowBlock = 4;
  /// bf16 operands through AVX-512 BF16 dot products (x86vector.avx512.dot:
  /// vdpbf16ps), two products per lane per instruction; needs lanes = 16.
  bool bf16Dot = false;
  /// With bf16Dot, the query-tile kernel's two products on AMX tiles
  /// (amx.tile_mulf: tdpbf16ps, 16x16 f32 += 16x32 bf16 * 32x16 bf16); the
  /// target must have amx-tile and amx-bf16.
  bool amx = false;
  /// KV groups with at most this many query rows (decode) take the row
  /// kernel: keys in lanes (0: never).
  int64_t decodeRows = 8;
  /// Split-KV for the decode kernel: key chunks run in parallel and merge
  /// exactly (LSE weights; plain sum for sigmoid). 0: chosen at run time
  /// from Lk, batch x KV groups and the thread count (see kvSplitCount);
  /// 1: never; N: N chunks.
  int64_t kvSplits = 0;
  /// The run-time choice asks OpenMP for the thread count
  /// (omp_get_max_threads); without OpenMP there is one thread.
  bool openmpThreads = false;
};

/// Whether the fused CPU path takes `op` with `tiling`; `why` says what it
/// lacks otherwise.
bool canFuseOnCPU(attn::AttentionOp op, const FusedCPUTiling &tiling,
                  std::string &why);

/// Declares `omp_get_max_threads() -> i32` in the symbol table `root` is or
/// is nested in, for kernels built with FusedCPUTiling::openmpThreads.
LogicalResult declareThreadCountQuery(Operation *root);

/// Lowers attn.attention to the fused tiled online-softmax loop nest on
/// buffers with vector arithmetic and an scf.parallel over (batch, KV group,
/// query tile). Ops using features the fused path lacks are left alone.
void populateAttnToCPUPatterns(RewritePatternSet &patterns,
                               const FusedCPUTiling &tiling);

/// Truncations to bf16 from f64: constants folded (round to nearest even),
/// other values through f32 (attune-split-bf16-truncations), so that
/// arith-expand can write every bf16 truncation as integer arithmetic.
void populateSplitBf16TruncationsPatterns(RewritePatternSet &patterns);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
