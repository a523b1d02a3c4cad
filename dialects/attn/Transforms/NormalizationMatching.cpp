//===- NormalizationMatching.cpp - softmax and sigmoid as exporters write them
//===//
//
// Helpers of attn-raise-attention: the probabilities P of an exported
// attention, P = softmax(X) written out (max, subtract, exp, sum, divide, an
// optional guard of fully masked rows) or P = sigmoid(X + c), traced back
// to the scores X.
//
//===----------------------------------------------------------------------===//

#include "NormalizationMatching.h"

#include "MaskEvaluation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

/// The op computing a generic's first yielded value from its arguments, when
/// every other op of the body only computes constants (exporters write
/// `arith.truncf %c : f64 to f32` of a constant next to the op that uses
/// it).
Operation *mlir::attn::detail::singleBodyOp(linalg::GenericOp g) {
  Block &body = g.getRegion().front();
  if (g->getNumResults() < 1)
    return nullptr;
  Operation *result = cast<linalg::YieldOp>(body.getTerminator())
                          .getValues()[0]
                          .getDefiningOp();
  if (!result || result->getBlock() != &body)
    return nullptr;
  for (Operation &op : body.without_terminator()) {
    if (&op == result)
      continue;
    bool constant = op.getNumRegions() == 0 && isMemoryEffectFree(&op) &&
                    llvm::none_of(op.getOperands(), [&](Value v) {
                      return v.getParentBlock() == &body;
                    });
    if (!constant)
      return nullptr;
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// (b, h, i, j) -> (b, h, i, 0) or (b, h, i): a per-row operand.
static bool isRowMap(AffineMap m) {
  if (m.getNumDims() != 4)
    return false;
  ArrayRef<AffineExpr> r = m.getResults();
  if (r.size() < 3 || r.size() > 4)
    return false;
  for (unsigned d = 0; d < 3; ++d)
    if (r[d] != getAffineDimExpr(d, m.getContext()))
      return false;
  return r.size() == 3 || r[3] == getAffineConstantExpr(0, m.getContext());
}

/// The row reduction over j of `x` combining with `Combine`, its init filled
/// with `init`: the generic's first result (extra results, such as the
/// argmax an exporter keeps, are ignored). Null otherwise.
template <typename Combine>
static bool isRowReduction(Value r, Value x, double init) {
  auto res = dyn_cast<OpResult>(r);
  if (!res || res.getResultNumber() != 0)
    return false;
  Operation *owner = res.getOwner();
  Block *body = nullptr;
  Value acc;
  if (auto g = dyn_cast<linalg::GenericOp>(owner)) {
    if (g.getNumDpsInputs() != 1 || g.getDpsInputs()[0] != x ||
        g.getNumReductionLoops() != 1 ||
        g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
      return false;
    body = &g.getRegion().front();
    acc = g.getDpsInits()[0];
  } else if (auto reduce = dyn_cast<linalg::ReduceOp>(owner)) {
    // linalg.reduce over the key dim (what tosa-to-linalg writes).
    auto type = cast<RankedTensorType>(x.getType());
    if (reduce.getInputs().size() != 1 || reduce.getInputs()[0] != x ||
        reduce.getDimensions() != ArrayRef<int64_t>{type.getRank() - 1})
      return false;
    body = &reduce.getCombiner().front();
    acc = reduce.getInits()[0];
  } else {
    return false;
  }
  auto fill = acc.getDefiningOp<linalg::FillOp>();
  std::optional<double> v =
      fill ? floatConstant(fill.getInputs()[0]) : std::nullopt;
  // A max may start from the lowest finite float instead of -inf: the same
  // wherever a row has a finite score (fully masked rows are excluded where
  // the raising matters, see below).
  bool lowest = std::isinf(init) && init < 0 && v &&
                *v <= -double(std::numeric_limits<float>::max());
  if (!v || (*v != init && !lowest))
    return false;
  auto combine = body->getTerminator()->getOperand(0).getDefiningOp<Combine>();
  return combine &&
         llvm::is_contained(combine->getOperands(), body->getArgument(0)) &&
         llvm::is_contained(combine->getOperands(), body->getArgument(1));
}

/// Strips an expand of a per-row [B, H, L] value to [B, H, L, 1].
static Value rowValue(Value v) {
  if (auto e = v.getDefiningOp<tensor::ExpandShapeOp>())
    if (e.getSrcType().getRank() == 3)
      return e.getSrc();
  return v;
}

/// An elementwise generic of two operands, the first over [B, H, Lq, Lk] and
/// the second per row, computing `Op(first, second)`.
template <typename Op>
static std::optional<std::pair<Value, Value>> rowBinary(Value v) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  Operation *op = g ? singleBodyOp(g) : nullptr;
  if (!op || !isa<Op>(op) || g.getNumDpsInputs() != 2 || !allParallel(g))
    return std::nullopt;
  Block &body = g.getRegion().front();
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  if (op->getOperand(0) != body.getArgument(0) ||
      op->getOperand(1) != body.getArgument(1) || !maps[0].isIdentity() ||
      !isRowMap(maps[1]))
    return std::nullopt;
  return std::make_pair(g.getDpsInputs()[0], g.getDpsInputs()[1]);
}

/// Whether `g` is an elementwise generic of one operand (identity maps).
bool mlir::attn::detail::isUnaryElementwise(linalg::GenericOp g) {
  return g && g.getNumDpsInputs() == 1 && allParallel(g) &&
         llvm::all_of(g.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); });
}

/// Whether `v` is all zeros: a splat constant, a fill, or a broadcast of
/// either (a generic yielding its input, as dynamic shapes export a splat).
static bool isZeroSplat(Value v) {
  if (auto g = v.getDefiningOp<linalg::GenericOp>()) {
    Block &body = g.getRegion().front();
    if (g.getNumDpsInputs() != 1 || body.getOperations().size() != 1 ||
        cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] !=
            body.getArgument(0))
      return false;
    v = g.getDpsInputs()[0];
  }
  if (auto fill = v.getDefiningOp<linalg::FillOp>()) {
    std::optional<double> value = floatConstant(fill.getInputs()[0]);
    return value && *value == 0.0;
  }
  std::optional<double> value = splatFloatConstant(v);
  return value && *value == 0.0;
}

/// Whether `cond` (per row) says that every score of the row is -inf:
/// and_j(X[j] == -inf), as the exporter guards fully masked rows; the
/// generics it reads X through go to `chain`.
static bool isAllMaskedRow(Value cond, Value x,
                           SmallPtrSetImpl<Operation *> &chain) {
  // and_j over the key dim: a generic, or linalg.reduce (tosa-to-linalg).
  auto res = dyn_cast<OpResult>(cond);
  Operation *owner = res ? res.getOwner() : nullptr;
  Value input, init;
  Block *combiner = nullptr;
  if (auto all = dyn_cast_or_null<linalg::GenericOp>(owner)) {
    if (all.getNumDpsInputs() != 1 || all.getNumReductionLoops() != 1)
      return false;
    input = all.getDpsInputs()[0];
    init = all.getDpsInits()[0];
    combiner = &all.getRegion().front();
  } else if (auto reduce = dyn_cast_or_null<linalg::ReduceOp>(owner)) {
    auto type = cast<RankedTensorType>(x.getType());
    if (reduce.getInputs().size() != 1 ||
        reduce.getDimensions() != ArrayRef<int64_t>{type.getRank() - 1})
      return false;
    input = reduce.getInputs()[0];
    init = reduce.getInits()[0];
    combiner = &reduce.getCombiner().front();
  } else {
    return false;
  }
  auto fill = init.getDefiningOp<linalg::FillOp>();
  APInt initValue;
  auto andOp =
      combiner->getTerminator()->getOperand(0).getDefiningOp<arith::AndIOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_ConstantInt(&initValue)) ||
      initValue.isZero() || !andOp)
    return false;
  // X[j] == -inf, possibly compared in f64 (extf of the element, in the
  // body or in a generic of its own), the bound a constant in the body or a
  // splat constant operand.
  auto isInf = input.getDefiningOp<linalg::GenericOp>();
  if (!isInf || isInf.getNumDpsInputs() < 1 || isInf.getNumDpsInputs() > 2 ||
      !allParallel(isInf))
    return false;
  Value element = isInf.getDpsInputs()[0];
  linalg::GenericOp widen;
  if (element != x) {
    widen = element.getDefiningOp<linalg::GenericOp>();
    Operation *ext =
        widen && isUnaryElementwise(widen) ? singleBodyOp(widen) : nullptr;
    if (!ext || !isa<arith::ExtFOp>(ext) || widen.getDpsInputs()[0] != x)
      return false;
  }
  Block &body = isInf.getRegion().front();
  auto cmpf = cast<linalg::YieldOp>(body.getTerminator())
                  .getValues()[0]
                  .getDefiningOp<arith::CmpFOp>();
  if (!cmpf || cmpf.getPredicate() != arith::CmpFPredicate::OEQ)
    return false;
  Value lhs = cmpf.getLhs();
  if (auto ext = lhs.getDefiningOp<arith::ExtFOp>())
    lhs = ext.getIn();
  if (lhs != body.getArgument(0))
    return false;
  std::optional<double> bound = constantOperand(isInf, cmpf.getRhs());
  if (!bound || !std::isinf(*bound) || *bound > 0)
    return false;
  chain.insert(widen ? widen.getOperation() : isInf.getOperation());
  return true;
}

/// The scores X of P = softmax(X) along the last dim, written out as an
/// exporter does; `guarded` says whether rows of -inf scores are set to 0.
/// The generics that read X go to `chain`.
Value mlir::attn::detail::softmaxInput(Value p, bool &guarded,
                                       SmallPtrSetImpl<Operation *> &chain) {
  guarded = false;
  // select(all_j(X == -inf), 0, softmax(X)): the guard of fully masked rows.
  Value guardCondition;
  if (auto g = p.getDefiningOp<linalg::GenericOp>()) {
    Operation *op = singleBodyOp(g);
    if (op && isa<arith::SelectOp>(op) && g.getNumDpsInputs() == 3 &&
        allParallel(g)) {
      Block &body = g.getRegion().front();
      if (op->getOperand(0) == body.getArgument(0) &&
          op->getOperand(1) == body.getArgument(1) &&
          op->getOperand(2) == body.getArgument(2) &&
          isRowMap(g.getIndexingMapsArray()[0])) {
        if (isZeroSplat(g.getDpsInputs()[1])) {
          guardCondition = g.getDpsInputs()[0];
          p = g.getDpsInputs()[2];
        }
      }
    }
  }
  // E / S, or E * (1 / S) (tosa's reciprocal).
  auto div = rowBinary<arith::DivFOp>(p);
  if (!div)
    if (auto mul = rowBinary<arith::MulFOp>(p)) {
      auto inv = mul->second.getDefiningOp<linalg::GenericOp>();
      Operation *op = inv ? singleBodyOp(inv) : nullptr;
      std::optional<double> one = op && isa<arith::DivFOp>(op)
                                      ? floatConstant(op->getOperand(0))
                                      : std::nullopt;
      if (one && *one == 1.0 && inv.getNumDpsInputs() == 1 &&
          op->getOperand(1) == inv.getRegion().front().getArgument(0) &&
          llvm::all_of(inv.getIndexingMapsArray(),
                       [](AffineMap m) { return m.isIdentity(); }))
        div = std::make_pair(mul->first, inv.getDpsInputs()[0]);
    }
  if (!div)
    return Value();
  auto [e, sum] = *div;
  auto exp = e.getDefiningOp<linalg::GenericOp>();
  Operation *expOp = exp ? singleBodyOp(exp) : nullptr;
  if (!expOp || !isa<math::ExpOp>(expOp) || exp.getNumDpsInputs() != 1)
    return Value();
  if (!isRowReduction<arith::AddFOp>(rowValue(sum), e, 0.0) &&
      !isRowReduction<arith::AddFOp>(sum, e, 0.0))
    return Value();
  auto sub = rowBinary<arith::SubFOp>(exp.getDpsInputs()[0]);
  if (!sub)
    return Value();
  auto [x, max] = *sub;
  double negInf = -std::numeric_limits<double>::infinity();
  if (!isRowReduction<arith::MaximumFOp>(rowValue(max), x, negInf) &&
      !isRowReduction<arith::MaxNumFOp>(rowValue(max), x, negInf))
    return Value();
  chain.insert(rowValue(max).getDefiningOp());
  chain.insert(exp.getDpsInputs()[0].getDefiningOp());
  if (guardCondition) {
    if (!isAllMaskedRow(rowValue(guardCondition), x, chain))
      return Value();
    guarded = true;
  }
  return x;
}

/// The scores X of P = sigmoid(X + c), FlashSigmoid written out: one
/// elementwise generic 1 / (1 + exp(-x)), after an optional x - c or x + c
/// with a constant c, which goes to `shift` (0 without one). The generic
/// reading X goes to `chain`.
Value mlir::attn::detail::sigmoidInput(Value p, double &shift,
                                       SmallPtrSetImpl<Operation *> &chain) {
  shift = 0.0;
  auto g = p.getDefiningOp<linalg::GenericOp>();
  if (!isUnaryElementwise(g))
    return Value();
  // 1 / (1 + exp(-in)), the adds in either order.
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto div = yield.getValues()[0].getDefiningOp<arith::DivFOp>();
  auto isOne = [](Value v) {
    std::optional<double> c = floatConstant(v);
    return c && *c == 1.0;
  };
  if (!div || !isOne(div.getLhs()))
    return Value();
  auto add = div.getRhs().getDefiningOp<arith::AddFOp>();
  if (!add)
    return Value();
  Value expValue = isOne(add.getRhs())   ? add.getLhs()
                   : isOne(add.getLhs()) ? add.getRhs()
                                         : Value();
  auto exp = expValue ? expValue.getDefiningOp<math::ExpOp>() : nullptr;
  auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>() : nullptr;
  if (!neg || neg.getOperand() != body.getArgument(0))
    return Value();
  Value x = g.getDpsInputs()[0];
  // x = y - c or y + c: c a constant in the body, or a splat constant
  // operand (tosa-to-linalg's broadcast [1, 1, 1, 1] tensor).
  auto shiftOp = x.getDefiningOp<linalg::GenericOp>();
  if (shiftOp && x.hasOneUse() && allParallel(shiftOp) &&
      shiftOp.getIndexingMapsArray()[0].isIdentity() &&
      shiftOp.getNumDpsInputs() <= 2) {
    Operation *op = singleBodyOp(shiftOp);
    Block &shiftBody = shiftOp.getRegion().front();
    std::optional<double> c;
    if (op && isa<arith::SubFOp, arith::AddFOp>(op) &&
        op->getOperand(0) == shiftBody.getArgument(0))
      c = constantOperand(shiftOp, op->getOperand(1));
    if (c) {
      shift = isa<arith::SubFOp>(op) ? -*c : *c;
      chain.insert(shiftOp);
      return shiftOp.getDpsInputs()[0];
    }
  }
  chain.insert(g);
  return x;
}
