//===- ApproximateMath.cpp - the attune-approximate-math pass -------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attune-approximate-math"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
struct ApproximateMathPass
    : public attune::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Upstream names the ops by mnemonic ("exp") in some releases and by
    // full name ("math.exp") in others: accept both.
    auto selected = [](StringRef name) {
      name.consume_front("math.");
      return name == "exp" || name == "tanh" || name == "log";
    };
    populateMathPolynomialApproximationPatterns(patterns, selected);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
