//===- GenericBuilder.h - helpers for the reference lowering ----*- C++ -*-===//
//
// Small helpers that keep the reference lowering readable: every step is one
// linalg.generic over named loop dims, written as "indexing maps + body".
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOLINALG_GENERICBUILDER_H
#define ATTUNE_LIB_CONVERSION_ATTNTOLINALG_GENERICBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace attune {
namespace detail {

using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Builds generics over a fixed iteration space of `numLoops` dims.
class GenericBuilder {
public:
  GenericBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// An empty tensor of `sizes` (static or dynamic) and `elementType`.
  Value empty(ArrayRef<OpFoldResult> sizes, Type elementType) {
    return tensor::EmptyOp::create(b, loc, sizes, elementType);
  }

  /// An empty tensor filled with `value`.
  Value filled(ArrayRef<OpFoldResult> sizes, Type elementType,
               TypedAttr value) {
    Value init = empty(sizes, elementType);
    Value cst = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, cst, init).getResult(0);
  }

  /// The map (d0..dn) -> (dims...) of the iteration space with `numLoops`
  /// dims; a dim of -1 reads index 0 (a broadcast extent of 1).
  AffineMap map(unsigned numLoops, ArrayRef<int64_t> dims) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d : dims)
      exprs.push_back(d < 0 ? b.getAffineConstantExpr(0)
                            : b.getAffineDimExpr(d));
    return AffineMap::get(numLoops, 0, exprs, b.getContext());
  }

  /// A generic whose last `numReductions` loops reduce.
  ValueRange generic(TypeRange resultTypes, ValueRange inputs,
                     ValueRange outputs, ArrayRef<AffineMap> maps,
                     unsigned numLoops, unsigned numReductions, BodyFn body) {
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::parallel);
    for (unsigned i = numLoops - numReductions; i < numLoops; ++i)
      iterators[i] = utils::IteratorType::reduction;
    return linalg::GenericOp::create(b, loc, resultTypes, inputs, outputs,
                                     maps, iterators, body)
        .getResults();
  }

  OpBuilder &b;
  Location loc;
};

/// Terminates a generic body with one value.
inline void yieldOne(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, ValueRange{v});
}

/// Casts `v` to `type` when the op's result type is more static than the
/// generic's (e.g. a static batch); a no-op otherwise.
inline Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

/// Index constant helper.
inline Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// f32 constant helper.
inline Value cF32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// Extends a float to f32 (no-op on f32).
inline Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// Truncates an f32 to `type` (no-op on f32).
inline Value fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (type.isF32())
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

/// A 1-D constant tensor of index values, e.g. a head map, read per element
/// with tensor.extract.
inline Value indexTable(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getIndexType());
  SmallVector<APInt> bits;
  for (int64_t v : values)
    bits.push_back(APInt(64, v, /*isSigned=*/true));
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, bits));
}

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOLINALG_GENERICBUILDER_H
