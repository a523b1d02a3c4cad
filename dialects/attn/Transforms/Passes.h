//===- Passes.h - rewrites inside the attn dialect --------------*- C++ -*-===//

#ifndef ATTN_TRANSFORMS_PASSES_H
#define ATTN_TRANSFORMS_PASSES_H

#include "attn/IR/AttnDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace attn {

#define GEN_PASS_DECL
#include "attn/Transforms/Passes.h.inc"

/// attn.prefix_attention -> one attn.attention per segment instance (queries
/// of the rows sharing it stacked) + attn.merge (Hydragen).
void populateDecomposeSharedPrefixPatterns(RewritePatternSet &patterns);

/// attn.attention over concat(broadcast-over-batch parts, per-row parts) ->
/// attn.prefix_attention with shared / per_row segments.
void populateRaiseSharedPrefixPatterns(RewritePatternSet &patterns);

/// Attention written out in linalg (Q K^T product, scale, mask, decomposed
/// softmax, P V product), as exporters emit it -> attn.attention.
void populateRaiseAttentionPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_PASSES_H
