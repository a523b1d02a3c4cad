//===- MaskEvaluation.h - what an exported additive mask is -----*- C++ -*-===//
//
// Helpers of attn-raise-attention (internal to dialects/attn/Transforms).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TRANSFORMS_MASKEVALUATION_H
#define ATTN_TRANSFORMS_MASKEVALUATION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir {
namespace attn {
namespace detail {

/// A float constant, possibly widened or narrowed (exporters write f64
/// constants truncated to f32 inside bodies).
std::optional<double> floatConstant(Value v);

/// The value of a splat float constant tensor.
std::optional<double> splatFloatConstant(Value v);

/// The constant `operand` of an op in `g`'s body stands for: a scalar
/// constant (floatConstant), or a block argument whose input is a splat
/// constant tensor (as tosa-to-linalg passes `tosa.mul` by a [1, 1, 1, 1]
/// constant).
std::optional<double> constantOperand(linalg::GenericOp g, Value operand);

inline bool allParallel(linalg::GenericOp g) {
  return g.getNumReductionLoops() == 0;
}

/// What an additive mask [Lq, Lk] holds.
enum class MaskKind {
  None,   // all 0
  Causal, // 0 where j <= i + Lk - Lq, -inf elsewhere
  Other,  // anything else, or beyond evaluation
};

/// Evaluates `mask` at compile time: symbolically when it is a choice
/// between constants on a predicate of j - i (any size; a dynamic mask must
/// be square, its extents provably equal), else element by element when it
/// is small and static (up to 2^20 elements) and built from constants,
/// fills, reshapes and elementwise generics.
MaskKind classifyAdditiveMask(Value mask);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_MASKEVALUATION_H
