//===- AttnToCPU.h - fused CPU lowering of attn ops -------------*- C++ -*-===//

#ifndef ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
#define ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H

#include <cstdint>
#include <string>

namespace mlir {
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
  /// KV groups with at most this many query rows (decode) take the row
  /// kernel: rows one by one, keys in lanes (0: never).
  int64_t decodeRows = 8;
  /// Split-KV for the decode kernel: key chunks run in parallel and merge
  /// exactly (LSE weights; plain sum for sigmoid). 0: chosen at run time
  /// (split while batch x KV groups < 4, into a power of two of chunks of
  /// at least 4096 keys, at most 8); 1: never; N: N chunks.
  int64_t kvSplits = 0;
};

/// Whether the fused CPU path takes `op` with `tiling`; `why` says what it
/// lacks otherwise.
bool canFuseOnCPU(attn::AttentionOp op, const FusedCPUTiling &tiling,
                  std::string &why);

/// Lowers attn.attention to the fused tiled online-softmax loop nest on
/// buffers with vector arithmetic and an scf.parallel over (batch, KV group,
/// query tile). Ops using features the fused path lacks are left alone.
void populateAttnToCPUPatterns(RewritePatternSet &patterns,
                               const FusedCPUTiling &tiling);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
