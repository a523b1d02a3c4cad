//===- ExportedShapes.h - an exporter's dynamic-shape idioms ----*- C++ -*-===//
//
// Helpers of attn-raise-attention (internal to dialects/attn/Transforms).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TRANSFORMS_EXPORTEDSHAPES_H
#define ATTN_TRANSFORMS_EXPORTEDSHAPES_H

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace attn {
namespace detail {

/// Rewrites the shape plumbing of dynamic-shape exports into the plain form
/// (where the extents involved are provably equal): broadcasts written as
/// `tensor.extract` gathers with `dim == 1 ? 0 : i` indices become reads of
/// their source, and `tensor.reshape` by `tensor.from_elements` shapes that
/// only add or drop unit dims becomes a collapse and / or an expand.
void populateExportedShapePatterns(RewritePatternSet &patterns);

/// Whether dim `i` of `x` and dim `j` of `y` provably hold the same extent:
/// equal static sizes, or dynamic ones equal by their shape computations
/// (ValueBounds).
bool sameDim(Value x, int64_t i, Value y, int64_t j);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_EXPORTEDSHAPES_H
