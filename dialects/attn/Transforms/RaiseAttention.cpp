//===- RaiseAttention.cpp - find attention in exported linalg IR ----------===//
//
// Exporters (torch-mlir's linalg-on-tensors output) write attention as
//
//   S = expand(batch_matmul(collapse(c_q Q), collapse(transpose(c_k K))))
//   X = c_s S (+ M)                              (scale, additive mask)
//   P = exp(X - max_j X) / sum_j exp(X - max_j X) (decomposed softmax,
//       optionally guarded: rows whose scores are all -inf give 0)
//   O = expand(batch_matmul(collapse(P), collapse(V)))
//
// with K and V repeated over query heads for GQA (repeat_interleave: a
// broadcast along a new group dim, then a collapse). This pass finds that
// chain from its last product back and replaces it by attn.attention with
// scale c_q c_k c_s, the mask recognized (none, causal) or kept as an additive
// bias, and the un-repeated K and V (uniform GQA). What does not match is
// left as it is.
//
//===----------------------------------------------------------------------===//

#include "attn/Transforms/Passes.h"

#include "MaskEvaluation.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/ScopeExit.h"

#include <cmath>
#include <limits>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_RAISEATTENTION
#include "attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

//===----------------------------------------------------------------------===//
// Shapes of linalg.generic
//===----------------------------------------------------------------------===//

/// The op computing a generic's first yielded value from its arguments, when
/// every other op of the body only computes constants (exporters write
/// `arith.truncf %c : f64 to f32` of a constant next to the op that uses
/// it).
static Operation *singleBodyOp(linalg::GenericOp g) {
  Block &body = g.getRegion().front();
  if (g->getNumResults() < 1)
    return nullptr;
  Operation *result =
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0].getDefiningOp();
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


/// x = generic(y) { in * c } or { in / c } with identity maps: returns y
/// and multiplies `scale` by c (1 / c).
static Value peelScale(Value x, double &scale) {
  while (auto g = x.getDefiningOp<linalg::GenericOp>()) {
    Operation *op = singleBodyOp(g);
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    if (!op || g.getNumDpsInputs() < 1 || g.getNumDpsInputs() > 2 ||
        !allParallel(g) || !maps[0].isIdentity() || !maps.back().isIdentity())
      break;
    Block &body = g.getRegion().front();
    Value in = body.getArgument(0);
    if (!isa<arith::MulFOp, arith::DivFOp>(op) || op->getOperand(0) != in)
      break;
    // The factor: a scalar constant, or a splat constant tensor operand
    // (tosa.mul by a [1, 1, 1, 1] constant).
    std::optional<double> c;
    if (g.getNumDpsInputs() == 1) {
      c = floatConstant(op->getOperand(1));
    } else if (op->getOperand(1) == body.getArgument(1)) {
      DenseElementsAttr dense;
      if (matchPattern(g.getDpsInputs()[1], m_Constant(&dense)) &&
          dense.isSplat() && isa<FloatType>(dense.getElementType()))
        c = dense.getSplatValue<APFloat>().convertToDouble();
    }
    if (!c || *c == 0.0)
      break;
    scale *= isa<arith::MulFOp>(op) ? *c : 1.0 / *c;
    x = g.getDpsInputs()[0];
  }
  return x;
}

/// The 4-D operands (A, B) of `expand([[0,1],[2],[3]], batch_matmul(
/// collapse(A), collapse(B)))` with a zero-filled accumulator; std::nullopt
/// otherwise.
static std::optional<std::pair<Value, Value>> batchedProduct(Value v) {
  auto expand = v.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || expand.getResultType().getRank() != 4 ||
      expand.getReassociationIndices().size() != 3 ||
      expand.getReassociationIndices()[0].size() != 2)
    return std::nullopt;
  auto mm = expand.getSrc().getDefiningOp<linalg::BatchMatmulOp>();
  if (!mm || mm.hasUserDefinedMaps())
    return std::nullopt;
  auto fill = mm.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  std::optional<double> zero =
      fill ? floatConstant(fill.getInputs()[0]) : std::nullopt;
  if (!zero || *zero != 0.0)
    return std::nullopt;
  // [B, H, L, D] collapsed to [B*H, L, D]; or a [B, Hkv, G, L, D] head
  // repeat collapsed at once (returned 5-D, for unrepeatHeads).
  auto unbatch = [](Value x) -> Value {
    auto collapse = x.getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse)
      return Value();
    int64_t rank = collapse.getSrcType().getRank();
    if ((rank != 4 && rank != 5) ||
        collapse.getReassociationIndices()[0].size() !=
            static_cast<size_t>(rank - 2))
      return Value();
    return collapse.getSrc();
  };
  Value a = unbatch(mm.getDpsInputs()[0]), b = unbatch(mm.getDpsInputs()[1]);
  if (!a || !b)
    return std::nullopt;
  return std::make_pair(a, b);
}

/// K or V repeated over the query heads of each KV head (repeat_interleave):
/// collapse([[0], [1, 2], [3], [4]], broadcast of x : [B, Hkv, L, D] along a
/// new dim 2). Returns x and the group size, or (v, 1).
static std::pair<Value, int64_t> unrepeatHeads(Value v) {
  Value src = v;
  if (cast<RankedTensorType>(v.getType()).getRank() != 5) {
    auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse || collapse.getSrcType().getRank() != 5)
      return {v, 1};
    auto indices = collapse.getReassociationIndices();
    if (indices.size() != 4 || indices[1] != ReassociationIndices{1, 2})
      return {v, 1};
    src = collapse.getSrc();
  }
  int64_t group = cast<RankedTensorType>(src.getType()).getDimSize(2);
  if (auto bcast = src.getDefiningOp<linalg::BroadcastOp>())
    if (bcast.getDimensions() == ArrayRef<int64_t>{2})
      return {bcast.getInput(), group};
  if (auto g = src.getDefiningOp<linalg::GenericOp>()) {
    Block &body = g.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    MLIRContext *ctx = g.getContext();
    AffineMap skipGroup = AffineMap::get(
        5, 0,
        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
         getAffineDimExpr(3, ctx), getAffineDimExpr(4, ctx)},
        ctx);
    if (g.getNumDpsInputs() == 1 && body.getOperations().size() == 1 &&
        yield.getValues()[0] == body.getArgument(0) &&
        g.getIndexingMapsArray()[0] == skipGroup && allParallel(g))
      return {g.getDpsInputs()[0], group};
    // Or an expand to [B, Hkv, 1, L, D] broadcast along the unit dim.
    AffineMap unitGroup = AffineMap::get(
        5, 0,
        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
         getAffineConstantExpr(0, ctx), getAffineDimExpr(3, ctx),
         getAffineDimExpr(4, ctx)},
        ctx);
    if (g.getNumDpsInputs() == 1 && body.getOperations().size() == 1 &&
        yield.getValues()[0] == body.getArgument(0) &&
        g.getIndexingMapsArray()[0] == unitGroup && allParallel(g))
      if (auto expand = g.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>())
        if (expand.getSrcType().getRank() == 4)
          return {expand.getSrc(), group};
  }
  return {v, 1};
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
  std::optional<double> v = fill ? floatConstant(fill.getInputs()[0])
                                 : std::nullopt;
  // A max may start from the lowest finite float instead of -inf: the same
  // wherever a row has a finite score (fully masked rows are excluded where
  // the raising matters, see below).
  bool lowest = std::isinf(init) && init < 0 && v &&
                *v <= -double(std::numeric_limits<float>::max());
  if (!v || (*v != init && !lowest))
    return false;
  auto combine =
      body->getTerminator()->getOperand(0).getDefiningOp<Combine>();
  return combine && llvm::is_contained(combine->getOperands(),
                                       body->getArgument(0)) &&
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
static bool isUnaryElementwise(linalg::GenericOp g) {
  return g && g.getNumDpsInputs() == 1 && allParallel(g) &&
         llvm::all_of(g.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); });
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
    Operation *ext = widen && isUnaryElementwise(widen) ? singleBodyOp(widen)
                                                        : nullptr;
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
  std::optional<double> bound;
  if (isInf.getNumDpsInputs() == 1) {
    bound = floatConstant(cmpf.getRhs());
  } else if (cmpf.getRhs() == body.getArgument(1)) {
    DenseElementsAttr splat;
    if (matchPattern(isInf.getDpsInputs()[1], m_Constant(&splat)) &&
        splat.isSplat() && isa<FloatType>(splat.getElementType()))
      bound = splat.getSplatValue<APFloat>().convertToDouble();
  }
  if (!bound || !std::isinf(*bound) || *bound > 0)
    return false;
  chain.insert(widen ? widen.getOperation() : isInf.getOperation());
  return true;
}

/// The scores X of P = softmax(X) along the last dim, written out as an
/// exporter does; `guarded` says whether rows of -inf scores are set to 0.
/// The generics that read X go to `chain`.
static Value softmaxInput(Value p, bool &guarded,
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
        Value zeros = g.getDpsInputs()[1];
        DenseElementsAttr z;
        if (matchPattern(zeros, m_Constant(&z)) && z.isSplat() &&
            z.getSplatValue<APFloat>().isZero()) {
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
      std::optional<double> one =
          op && isa<arith::DivFOp>(op) ? floatConstant(op->getOperand(0))
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
static Value sigmoidInput(Value p, double &shift,
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
  Value expValue = isOne(add.getRhs()) ? add.getLhs()
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
        op->getOperand(0) == shiftBody.getArgument(0)) {
      if (shiftOp.getNumDpsInputs() == 1) {
        c = floatConstant(op->getOperand(1));
      } else if (op->getOperand(1) == shiftBody.getArgument(1)) {
        DenseElementsAttr splat;
        if (matchPattern(shiftOp.getDpsInputs()[1], m_Constant(&splat)) &&
            splat.isSplat() && isa<FloatType>(splat.getElementType()))
          c = splat.getSplatValue<APFloat>().convertToDouble();
      }
    }
    if (c) {
      shift = isa<arith::SubFOp>(op) ? -*c : *c;
      chain.insert(shiftOp);
      return shiftOp.getDpsInputs()[0];
    }
  }
  chain.insert(g);
  return x;
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

struct RaiseAttentionPattern : public OpRewritePattern<tensor::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExpandShapeOp root,
                                PatternRewriter &rewriter) const override {
    // O = P V
    auto pv = batchedProduct(root.getResult());
    if (!pv)
      return rewriter.notifyMatchFailure(root, "not a batched product");
    auto [p, vRepeated] = *pv;
    bool guarded;
    SmallPtrSet<Operation *, 4> readers; // what may read the scores X
    Value x = softmaxInput(p, guarded, readers);
    // Or sigmoid attention: masked scores (-inf) give 0 there as in
    // attn.attention, so any additive mask may stay a bias.
    double sigmoidShift = 0.0;
    bool sigmoid = false;
    if (!x) {
      readers.clear();
      x = sigmoidInput(p, sigmoidShift, readers);
      sigmoid = guarded = static_cast<bool>(x);
    }
    if (!x)
      return rewriter.notifyMatchFailure(
          root, "P is neither a softmax nor a sigmoid over the scores");
    // Scores or probabilities used elsewhere too: raising would compute
    // attention twice; leave the chain as it is.
    if (!p.hasOneUse() || llvm::any_of(x.getUsers(), [&](Operation *user) {
          return !readers.contains(user);
        }))
      return rewriter.notifyMatchFailure(root, "scores or P have other uses");

    // X = c_s S (+ M)
    Value scores = x;
    double scale = 1.0;
    Value maskTensor;
    if (auto add = x.getDefiningOp<linalg::GenericOp>()) {
      Operation *op = singleBodyOp(add);
      if (op && isa<arith::AddFOp>(op) && add.getNumDpsInputs() == 2 &&
          allParallel(add) && add.getIndexingMapsArray()[0].isIdentity()) {
        AffineMap m = add.getIndexingMapsArray()[1];
        MLIRContext *ctx = getContext();
        AffineExpr zero = getAffineConstantExpr(0, ctx);
        AffineMap lastTwo = AffineMap::get(
            4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
        // Or [1, 1, Lq, Lk] broadcast over batch and heads.
        auto maskType = dyn_cast<RankedTensorType>(add.getDpsInputs()[1].getType());
        bool broadcast4 =
            maskType && maskType.getRank() == 4 && maskType.getDimSize(0) == 1 &&
            maskType.getDimSize(1) == 1 && m.getNumResults() == 4 &&
            m.getResult(2) == getAffineDimExpr(2, ctx) &&
            m.getResult(3) == getAffineDimExpr(3, ctx) &&
            llvm::all_of(m.getResults().take_front(2), [&](AffineExpr e) {
              return e == zero || e == getAffineDimExpr(0, ctx) ||
                     e == getAffineDimExpr(1, ctx);
            });
        if (m == lastTwo || broadcast4) {
          maskTensor = add.getDpsInputs()[1];
          x = add.getDpsInputs()[0];
          if (!x.hasOneUse())
            return rewriter.notifyMatchFailure(root, "scores have other uses");
        }
      }
    }
    Value s = peelScale(x, scale);
    auto qk = batchedProduct(s);
    if (!qk)
      return rewriter.notifyMatchFailure(root, "scores are not Q K^T");
    if (s != scores && !s.hasOneUse())
      return rewriter.notifyMatchFailure(root, "Q K^T has other uses");
    auto [qScaled, kt] = *qk;
    Value q = peelScale(qScaled, scale);
    kt = peelScale(kt, scale);
    auto transpose = kt.getDefiningOp<linalg::TransposeOp>();
    if (!transpose ||
        transpose.getPermutation() != ArrayRef<int64_t>{0, 1, 3, 2})
      return rewriter.notifyMatchFailure(root, "K is not transposed on keys");
    Value kRepeated = peelScale(transpose.getInput(), scale);
    auto [k, kGroup] = unrepeatHeads(kRepeated);
    auto [v, vGroup] = unrepeatHeads(vRepeated);
    if (cast<RankedTensorType>(k.getType()).getRank() != 4 ||
        cast<RankedTensorType>(v.getType()).getRank() != 4 || kGroup != vGroup)
      return rewriter.notifyMatchFailure(root, "K and V repeat differently");

    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (qType.getElementType() != kType.getElementType() ||
        qType.getElementType() != vType.getElementType() ||
        !isa<Float32Type, Float16Type, BFloat16Type>(qType.getElementType()))
      return rewriter.notifyMatchFailure(root, "element types");
    if (qType.isDynamicDim(3) || vType.isDynamicDim(3) ||
        qType.isDynamicDim(1) || kType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(root, "head counts and dims static");

    // The mask: none / causal are attributes; anything else an additive
    // bias [1, 1, Lq, Lk].
    MaskAttr mask;
    Value bias;
    if (maskTensor) {
      MaskKind kind = classifyAdditiveMask(maskTensor);
      if (kind == MaskKind::Causal)
        mask = MaskAttr::getCausal(getContext());
      else if (kind == MaskKind::Other)
        bias = maskTensor;
    }
    // Without the guard, a row whose every score is -inf gives NaN, where
    // attn.attention gives 0: raise only when no row can be fully masked
    // (no mask, or causal with Lq <= Lk).
    if (!guarded && bias)
      return rewriter.notifyMatchFailure(
          root, "an unguarded softmax under an arbitrary mask");
    if (!guarded && mask &&
        (qType.isDynamicDim(2) || kType.isDynamicDim(2) ||
         qType.getDimSize(2) > kType.getDimSize(2)))
      return rewriter.notifyMatchFailure(
          root, "an unguarded causal softmax that may mask whole rows");

    Location loc = root.getLoc();
    if (bias && cast<RankedTensorType>(bias.getType()).getRank() == 2) {
      auto maskType = cast<RankedTensorType>(bias.getType());
      SmallVector<int64_t> shape = {1, 1};
      llvm::append_range(shape, maskType.getShape());
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1),
                                         rewriter.getIndexAttr(1)};
      llvm::append_range(sizes, tensor::getMixedSizes(rewriter, loc, bias));
      bias = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, maskType.getElementType()),
          bias, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}}, sizes);
    }
    auto attention = AttentionOp::create(
        rewriter, loc, TypeRange{root.getResultType()}, q, k, v,
        /*alibi_slopes=*/Value(), bias, /*temperature=*/Value(),
        /*kv_lengths=*/Value(), /*kv_num_blocks=*/Value(),
        /*kv_indices=*/Value(), /*full_kv_num_blocks=*/Value(),
        /*full_kv_indices=*/Value(), /*block_size=*/nullptr,
        rewriter.getF32FloatAttr(scale),
        sigmoid ? NormalizationAttr::get(getContext(), Normalization::Sigmoid)
                : NormalizationAttr(),
        sigmoid ? rewriter.getF32FloatAttr(sigmoidShift) : FloatAttr(), mask,
        /*head_masks=*/nullptr,
        /*head_map=*/nullptr, /*softcap=*/nullptr);
    rewriter.replaceOp(root, attention.getOutput());
    return success();
  }
};

/// tosa.tile's repeat_interleave of KV heads, as tosa-to-linalg leaves it:
/// X [B, Hkv, L, D] expanded to [B, Hkv, 1, L, D], tiled by [1, 1, G, 1, 1]
/// into a 10-D (multiple, size) broadcast, collapsed to [B, Hkv * G, L, D]
/// or [B * Hkv * G, L, D]. Both flatten the elements in the order of
/// R = collapse(broadcast(X, dim 2), [[0], [1, 2], [3], [4]]), the form
/// unrepeatHeads knows: the collapses are rewritten onto R.
struct NormalizeTiledHeads : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (g.getNumDpsInputs() != 1 || g.getNumResults() != 1 ||
        !allParallel(g) || g.getRegion().front().getOperations().size() != 1)
      return failure();
    auto yield = cast<linalg::YieldOp>(g.getRegion().front().getTerminator());
    if (yield.getValues()[0] != g.getRegion().front().getArgument(0))
      return failure();
    auto expand = g.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>();
    auto outType = cast<RankedTensorType>(g.getResult(0).getType());
    if (!expand || outType.getRank() != 10 || !outType.hasStaticShape() ||
        expand.getSrcType().getRank() != 4 ||
        expand.getResultType().getRank() != 5 ||
        expand.getResultType().getDimSize(2) != 1 ||
        expand.getReassociationIndices() !=
            SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
      return failure();
    // Input read at the size dims (odd), multiples 1 except the group's.
    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> sizes;
    for (int64_t d = 1; d < 10; d += 2)
      sizes.push_back(getAffineDimExpr(d, ctx));
    ArrayRef<int64_t> shape = outType.getShape();
    Value x = expand.getSrc();
    auto xType = cast<RankedTensorType>(x.getType());
    if (g.getIndexingMapsArray()[0] != AffineMap::get(10, 0, sizes, ctx) ||
        shape[0] != 1 || shape[2] != 1 || shape[6] != 1 || shape[8] != 1 ||
        shape[5] != 1 || !xType.hasStaticShape() ||
        shape[1] != xType.getDimSize(0) || shape[3] != xType.getDimSize(1) ||
        shape[7] != xType.getDimSize(2) || shape[9] != xType.getDimSize(3))
      return failure();
    int64_t group = shape[4];
    int64_t b = shape[1], h = shape[3] * group, l = shape[7], d = shape[9];
    auto heads = RankedTensorType::get({b, h, l, d}, xType.getElementType());
    auto flat = RankedTensorType::get({b * h, l, d}, xType.getElementType());
    SmallVector<tensor::CollapseShapeOp> users;
    for (Operation *user : g.getResult(0).getUsers()) {
      auto collapse = dyn_cast<tensor::CollapseShapeOp>(user);
      if (!collapse || (collapse.getResultType() != heads &&
                        collapse.getResultType() != flat))
        return failure();
      users.push_back(collapse);
    }
    Location loc = g.getLoc();
    Value init = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{b, shape[3], group, l, d},
        xType.getElementType());
    Value repeated =
        linalg::BroadcastOp::create(rewriter, loc, x, init,
                                    ArrayRef<int64_t>{2})
            .getResult()[0];
    Value r = tensor::CollapseShapeOp::create(
        rewriter, loc, heads, repeated,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    for (tensor::CollapseShapeOp collapse : users) {
      if (collapse.getResultType() == heads) {
        rewriter.replaceOp(collapse, r);
        continue;
      }
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          collapse, flat, r,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    }
    rewriter.eraseOp(g);
    return success();
  }
};

struct RaiseAttentionPass
    : public attn::impl::RaiseAttentionBase<RaiseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRaiseAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateRaiseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttentionPattern, NormalizeTiledHeads>(
      patterns.getContext());
}
