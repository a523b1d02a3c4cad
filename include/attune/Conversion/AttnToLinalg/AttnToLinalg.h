//===- AttnToLinalg.h - reference lowering of attn to linalg ----*- C++ -*-===//

#ifndef ATTUNE_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
#define ATTUNE_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H

namespace mlir {
class RewritePatternSet;

namespace attune {

/// Patterns lowering every attn op to the reference linalg form: materialized
/// f32 scores, elementwise modifiers and masks, then normalization and PV.
void populateAttnToLinalgPatterns(RewritePatternSet &patterns);

/// The part of the above for attn.prefix_attention (expressed as attention
/// over concatenated KV) and attn.merge.
void populatePrefixAndMergeToLinalgPatterns(RewritePatternSet &patterns);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
