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
    bool changed = false;
    rewriter.modifyOpInPlace(op, [&] {
      // head_map[h] == h / (Hq / Hkv) for all h: the default grouping.
      if (auto map = op.getHeadMapAttr()) {
        int64_t qHeads = op.getNumQueryHeads(), kvHeads = op.getNumKvHeads();
        bool uniform = kvHeads > 0 && qHeads % kvHeads == 0;
        for (int64_t h = 0; uniform && h < qHeads; ++h)
          uniform = map[h] == h / (qHeads / kvHeads);
        if (uniform) {
          op.removeHeadMapAttr();
          changed = true;
        }
      }
      // One mask repeated for every head is a single mask.
      if (auto masks = op.getHeadMasksAttr()) {
        if (!masks.empty() && llvm::all_equal(masks.getValue())) {
          op.setMaskAttr(cast<MaskAttr>(masks[0]));
          op.removeHeadMasksAttr();
          changed = true;
        }
      }
      if (auto mask = op.getMaskAttr()) {
        if (mask.isNone() && mask.getSinks() == 0) {
          op.removeMaskAttr();
          changed = true;
        }
      }
    });
    return success(changed);
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
