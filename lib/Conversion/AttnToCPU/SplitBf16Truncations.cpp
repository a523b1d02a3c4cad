//===- SplitBf16Truncations.cpp - the attune-split-bf16-truncations pass --===//

#include "attune/Conversion/AttnToCPU/AttnToCPU.h"
#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attune-split-bf16-truncations"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_SPLITBF16TRUNCATIONS
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
/// arith.truncf to bf16 (scalar or vector) from a type wider than f32: a
/// constant folds to the bf16 constant, rounded to nearest even; any other
/// value is truncated to f32 first.
struct SplitWideTruncation : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    Type result = op.getType(), operand = op.getIn().getType();
    if (!getElementTypeOrSelf(result).isBF16() ||
        getElementTypeOrSelf(operand).getIntOrFloatBitWidth() <= 32)
      return rewriter.notifyMatchFailure(op, "not a truncation to bf16 from "
                                             "wider than f32");
    if (op.getRoundingmodeAttr() &&
        op.getRoundingmode() != arith::RoundingMode::to_nearest_even)
      return rewriter.notifyMatchFailure(op, "a rounding mode other than "
                                             "to_nearest_even");
    Attribute value;
    if (matchPattern(op.getIn(), m_Constant(&value))) {
      auto round = [&](APFloat v) {
        bool lost;
        v.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &lost);
        return v;
      };
      if (auto scalar = dyn_cast<FloatAttr>(value)) {
        rewriter.replaceOpWithNewOp<arith::ConstantOp>(
            op, FloatAttr::get(result, round(scalar.getValue())));
        return success();
      }
      if (auto splat = dyn_cast<SplatElementsAttr>(value)) {
        rewriter.replaceOpWithNewOp<arith::ConstantOp>(
            op, SplatElementsAttr::get(cast<ShapedType>(result),
                                       round(splat.getSplatValue<APFloat>())));
        return success();
      }
    }
    Type f32 = rewriter.getF32Type();
    if (auto shaped = dyn_cast<ShapedType>(operand))
      f32 = shaped.clone(f32);
    Value narrowed =
        arith::TruncFOp::create(rewriter, op.getLoc(), f32, op.getIn(),
                                op.getRoundingmodeAttr(), op.getFastmathAttr());
    rewriter.modifyOpInPlace(op, [&] { op.getInMutable().assign(narrowed); });
    return success();
  }
};

struct SplitBf16TruncationsPass
    : public attune::impl::SplitBf16TruncationsBase<SplitBf16TruncationsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    attune::populateSplitBf16TruncationsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void attune::populateSplitBf16TruncationsPatterns(RewritePatternSet &patterns) {
  patterns.add<SplitWideTruncation>(patterns.getContext());
}
