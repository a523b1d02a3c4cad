//===- GPUFastMath.cpp - the attune-gpu-fast-math pass --------------------===//
//
// exp2, exp, log and tanh on the special function unit: exp2(x) = ex2(x),
// exp(x) = ex2(x * log2 e),
// log(x) = lg2(x) * ln 2, tanh(x) = 1 - 2 / (exp(2x) + 1). Vector operands
// are unrolled (the kernels hold one f32 per register anyway). Division
// becomes div.full (2 ulp, no subroutine) and 1 / y rcp.approx, fma LLVM's,
// integer |x| max(x, -x). Nothing is left for libdevice.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <type_traits>

#define DEBUG_TYPE "attune-gpu-fast-math"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_GPUFASTMATH
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {

/// Applies `scalar` to the elements of `xs` (f32 scalars, or vectors of one
/// shape) position by position.
Value elementwise(PatternRewriter &rewriter, Location loc, ValueRange xs,
                  function_ref<Value(ValueRange)> scalar) {
  auto vector = dyn_cast<VectorType>(xs.front().getType());
  if (!vector)
    return scalar(xs);
  SmallVector<Value> elements;
  for (int64_t i = 0; i < vector.getNumElements(); ++i) {
    SmallVector<int64_t> position;
    int64_t rest = i;
    for (int64_t extent : llvm::reverse(vector.getShape())) {
      position.push_back(rest % extent);
      rest /= extent;
    }
    std::reverse(position.begin(), position.end());
    SmallVector<Value> at;
    for (Value x : xs)
      at.push_back(vector::ExtractOp::create(rewriter, loc, x, position));
    elements.push_back(scalar(at));
  }
  return vector::FromElementsOp::create(rewriter, loc, vector, elements);
}

Value constant(PatternRewriter &rewriter, Location loc, double v) {
  return arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(v));
}

Value intrinsic(PatternRewriter &rewriter, Location loc, StringRef name,
                ValueRange args) {
  return LLVM::CallIntrinsicOp::create(rewriter, loc, rewriter.getF32Type(),
                                       rewriter.getStringAttr(name), args)
      .getResult(0);
}

Value exp2(PatternRewriter &rewriter, Location loc, Value x) {
  return intrinsic(rewriter, loc, "llvm.nvvm.ex2.approx.ftz.f32", x);
}

Value exp(PatternRewriter &rewriter, Location loc, Value x) {
  return exp2(rewriter, loc,
              arith::MulFOp::create(rewriter, loc, x,
                                    constant(rewriter, loc, M_LOG2E)));
}

bool isF32(Type type) { return getElementTypeOrSelf(type).isF32(); }

/// Rewrites f32 `Op` (scalar or vector) element by element with `Scalar`:
/// a callable (rewriter, loc, x) of a unary op's element, or (rewriter, loc,
/// op, elements) of the elements of the op's operands at one position.
template <typename Op, typename Scalar>
struct ScalarRewrite : OpRewritePattern<Op> {
  ScalarRewrite(MLIRContext *context, Scalar scalar)
      : OpRewritePattern<Op>(context), scalar(scalar) {}
  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getType()))
      return failure();
    Location loc = op.getLoc();
    rewriter.replaceOp(op, elementwise(rewriter, loc, op->getOperands(),
                                       [&](ValueRange x) -> Value {
                                         if constexpr (std::is_invocable_v<
                                                           const Scalar &,
                                                           PatternRewriter &,
                                                           Location, Value>)
                                           return scalar(rewriter, loc, x[0]);
                                         else
                                           return scalar(rewriter, loc, op, x);
                                       }));
    return success();
  }
  Scalar scalar;
};

template <typename Op, typename Scalar>
void addScalarRewrite(RewritePatternSet &patterns, Scalar scalar) {
  patterns.add(std::make_unique<ScalarRewrite<Op, Scalar>>(
      patterns.getContext(), scalar));
}

/// log(x) = lg2(x) * ln 2.
Value log(PatternRewriter &rewriter, Location loc, Value x) {
  Value l2 = intrinsic(rewriter, loc, "llvm.nvvm.lg2.approx.ftz.f", x);
  return arith::MulFOp::create(rewriter, loc, l2,
                               constant(rewriter, loc, M_LN2));
}

/// tanh(x) = 1 - 2 / (e^(2x) + 1): saturates to +-1 (e^(2x) = inf or 0).
Value tanh(PatternRewriter &rewriter, Location loc, Value x) {
  Value e2x = exp(rewriter, loc, arith::AddFOp::create(rewriter, loc, x, x));
  Value den =
      arith::AddFOp::create(rewriter, loc, e2x, constant(rewriter, loc, 1.0));
  Value frac =
      arith::DivFOp::create(rewriter, loc, constant(rewriter, loc, 2.0), den);
  return arith::SubFOp::create(rewriter, loc, constant(rewriter, loc, 1.0),
                               frac);
}

/// x / y as div.full.f32: full range, within 2 ulp, a reciprocal and a few
/// instructions; the IEEE division (div.rn.f32) branches to a subroutine
/// per element. 1 / y is rcp.approx.ftz alone (one MUFU.RCP, 1 ulp;
/// subnormal y flush to zero): the sigmoid's 1 / (1 + e) a score.
Value divide(PatternRewriter &rewriter, Location loc, arith::DivFOp op,
             ValueRange xy) {
  if (matchPattern(op.getLhs(), m_OneFloat()))
    return intrinsic(rewriter, loc, "llvm.nvvm.rcp.approx.ftz.f", xy[1]);
  return intrinsic(rewriter, loc, "llvm.nvvm.div.full", xy);
}

/// fma(x, y, z) as LLVM's fma (one FFMA), not libdevice's __nv_fmaf.
Value fma(PatternRewriter &rewriter, Location loc, math::FmaOp,
          ValueRange abc) {
  return LLVM::FMAOp::create(rewriter, loc, abc[0], abc[1], abc[2]);
}

/// |x| = max(x, -x): no libdevice call (__nv_abs).
struct AbsIToMax : OpRewritePattern<math::AbsIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::AbsIOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(op.getType()));
    Value negated = arith::SubIOp::create(rewriter, loc, zero, op.getOperand());
    rewriter.replaceOpWithNewOp<arith::MaxSIOp>(op, op.getOperand(), negated);
    return success();
  }
};

struct GPUFastMathPass : public attune::impl::GPUFastMathBase<GPUFastMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    addScalarRewrite<math::ExpOp>(patterns, exp);
    addScalarRewrite<math::Exp2Op>(patterns, exp2);
    addScalarRewrite<math::LogOp>(patterns, log);
    addScalarRewrite<math::TanhOp>(patterns, tanh);
    addScalarRewrite<arith::DivFOp>(patterns, divide);
    addScalarRewrite<math::FmaOp>(patterns, fma);
    patterns.add<AbsIToMax>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
