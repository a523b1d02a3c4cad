//===- ExpandStridedCopies.cpp - the attune-expand-strided-copies pass ----===//
//
// memref.copy of anything but two identity-layout buffers becomes linalg.copy
// (then loops), so that emitted kernels need no MLIR runtime library.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_EXPANDSTRIDEDCOPIES
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
struct StridedCopyToLinalg : public OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    auto contiguous = [](Value v) {
      auto type = dyn_cast<MemRefType>(v.getType());
      return type && type.getLayout().isIdentity();
    };
    if (contiguous(copy.getSource()) && contiguous(copy.getTarget()))
      return rewriter.notifyMatchFailure(copy, "lowers to memcpy");
    if (!isa<MemRefType>(copy.getSource().getType()) ||
        !isa<MemRefType>(copy.getTarget().getType()))
      return rewriter.notifyMatchFailure(copy, "unranked");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                copy.getTarget());
    return success();
  }
};

struct ExpandStridedCopiesPass
    : public attune::impl::ExpandStridedCopiesBase<ExpandStridedCopiesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<StridedCopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
