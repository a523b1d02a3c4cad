//===- TileSemanticsDetail.h - TileSemantics' shared helpers -*- C++ -*-===//
//
// Private to lib/Conversion/TiledAttention: TileSemantics.cpp (the analysis,
// score modifiers and normalization) and TileMasks.cpp (which keys a query
// sees: key tiles, full tiles, visibility, key bounds, segments) build the
// scores' indices and inline the op's regions the same way.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_TILEDATTENTION_TILESEMANTICSDETAIL_H
#define ATTUNE_LIB_CONVERSION_TILEDATTENTION_TILESEMANTICSDETAIL_H

#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir {
namespace attune {
namespace detail {

inline Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
inline Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
                  Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

/// diag - j = i + (Lk - Lq) - j for every score held, as i32 of `shape`.
Value diagonalDistance(OpBuilder &b, Location loc, const TileRows &rows,
                       Value positions, Value keys, VectorType shape);

/// The i32 vector shape of whichever of `positions` / `keys` is a vector.
VectorType scoreShape(OpBuilder &b, Value positions, Value keys);

/// Inlines the elementwise region `region` at the builder with its arguments
/// bound to `args`, each a scalar or a vector of `shape`: ops whose operands
/// are all scalars are cloned as they are, the others become their vector
/// form (scalar operands broadcast). Returns the yielded value as a vector.
Value inlineVectorized(OpBuilder &b, Location loc, Region &region,
                       ArrayRef<Value> args, ArrayRef<int64_t> shape,
                       function_ref<Value(OpBuilder &, Value)> recompute);

/// (b, h, i, j) of the scores held as region arguments: index scalars stay,
/// i32 vectors become index vectors.
/// Positions and keys are clamped into [0, Lq) x [0, Lk): padding lanes and
/// tail keys (whose scores are discarded) must not run the region on values
/// the reference never gives it (an integer division could trap).
SmallVector<Value> regionIndices(OpBuilder &b, Location loc,
                                 const TileRows &rows, Value positions,
                                 Value keys, ArrayRef<int64_t> shape);

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_TILEDATTENTION_TILESEMANTICSDETAIL_H
