//===- NormalizationMatching.h - softmax and sigmoid as exported -*- C++
//-*-===//
//
// Helpers of attn-raise-attention (internal to dialects/attn/Transforms).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TRANSFORMS_NORMALIZATIONMATCHING_H
#define ATTN_TRANSFORMS_NORMALIZATIONMATCHING_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir {
namespace attn {
namespace detail {

/// The op computing a generic's first yielded value from its arguments, when
/// every other op of the body only computes constants (exporters write
/// `arith.truncf %c : f64 to f32` of a constant next to the op that uses
/// it); null otherwise.
Operation *singleBodyOp(linalg::GenericOp g);

/// Whether `g` is an elementwise generic of one operand (identity maps).
bool isUnaryElementwise(linalg::GenericOp g);

/// The scores X of P = softmax(X) along the last dim, written out as an
/// exporter does; `guarded` says whether rows of -inf scores are set to 0.
/// The generics that read X go to `chain`. Null otherwise.
Value softmaxInput(Value p, bool &guarded, SmallPtrSetImpl<Operation *> &chain);

/// The scores X of P = sigmoid(X + c), FlashSigmoid written out: one
/// elementwise generic 1 / (1 + exp(-x)), after an optional x - c or x + c
/// with a constant c, which goes to `shift` (0 without one). The generic
/// reading X goes to `chain`. Null otherwise.
Value sigmoidInput(Value p, double &shift, SmallPtrSetImpl<Operation *> &chain);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_NORMALIZATIONMATCHING_H
