//===- ConvertAttnToLinalg.cpp - the convert-attn-to-linalg pass ----------===//

#include "attune/Conversion/Passes.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "convert-attn-to-linalg"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
struct ConvertAttnToLinalgPass
    : public attune::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    attune::populateAttnToLinalgPatterns(patterns);
    // Lower only the attn ops themselves: leave the rest of the IR as it is.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<attn::AttentionOp, attn::PrefixAttentionOp, attn::MergeOp>(op))
        ops.push_back(op);
    });
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<attn::AttentionOp, attn::PrefixAttentionOp, attn::MergeOp>(op))
        return WalkResult::advance();
      op->emitOpError("could not be lowered to linalg");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
