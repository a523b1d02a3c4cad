//===- AttnCanonicalize.cpp - canonical forms of attention ops ------------===//
//
// Canonical head configuration: a head_map equal to the uniform grouping is
// dropped, per-head masks that all agree become one mask, and a `none` mask
// is dropped. Later passes then see one spelling per configuration.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
template <typename OpTy>
struct CanonicalizeHeadConfig : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    // Compute the canonical configuration first; touch the op only when it
    // changes, so that the rewrite driver reaches a fixed point.
    bool dropHeadMap = false;
    if (auto map = op.getHeadMapAttr()) {
      // head_map[h] == h / (Hq / Hkv) for all h: the default grouping.
      int64_t qHeads = op.getNumQueryHeads(), kvHeads = op.getNumKvHeads();
      dropHeadMap = kvHeads > 0 && qHeads % kvHeads == 0;
      for (int64_t h = 0; dropHeadMap && h < qHeads; ++h)
        dropHeadMap = map[h] == h / (qHeads / kvHeads);
    }
    // One mask repeated for every head is a single mask.
    MaskAttr mask = op.getMaskAttr();
    auto headMasks = op.getHeadMasksAttr();
    bool foldHeadMasks = headMasks && !headMasks.empty() &&
                         llvm::all_equal(headMasks.getValue());
    if (foldHeadMasks)
      mask = cast<MaskAttr>(headMasks[0]);
    // A `none` mask is the default.
    bool dropMask = mask && mask.isNone() && mask.getSinks() == 0;
    if (!dropHeadMap && !foldHeadMasks && !(dropMask && op.getMaskAttr()))
      return failure();

    rewriter.modifyOpInPlace(op, [&] {
      if (dropHeadMap)
        op.removeHeadMapAttr();
      if (foldHeadMasks)
        op.removeHeadMasksAttr();
      if (dropMask)
        op.removeMaskAttr();
      else if (foldHeadMasks)
        op.setMaskAttr(mask);
    });
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<CanonicalizeHeadConfig<AttentionOp>>(context);
}

void PrefixAttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                    MLIRContext *context) {
  results.add<CanonicalizeHeadConfig<PrefixAttentionOp>>(context);
}
