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

static bool allParallel(linalg::GenericOp g) {
  return g.getNumReductionLoops() == 0;
}

/// A float constant, possibly widened / narrowed (exporters write f64
/// constants truncated to f32 inside bodies).
static std::optional<double> floatConstant(Value v) {
  if (auto cast = v.getDefiningOp<arith::TruncFOp>())
    return floatConstant(cast.getIn());
  if (auto cast = v.getDefiningOp<arith::ExtFOp>())
    return floatConstant(cast.getIn());
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// x = generic(y) { in * c } or { in / c } with identity maps: returns y
/// and multiplies `scale` by c (1 / c).
static Value peelScale(Value x, double &scale) {
  while (auto g = x.getDefiningOp<linalg::GenericOp>()) {
    Operation *op = singleBodyOp(g);
    if (!op || g.getNumDpsInputs() != 1 || !allParallel(g) ||
        !llvm::all_of(g.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      break;
    Value in = g.getRegion().front().getArgument(0);
    if (!isa<arith::MulFOp, arith::DivFOp>(op) || op->getOperand(0) != in)
      break;
    std::optional<double> c = floatConstant(op->getOperand(1));
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
  auto g = res ? dyn_cast<linalg::GenericOp>(res.getOwner()) : nullptr;
  if (!g || res.getResultNumber() != 0 || g.getNumDpsInputs() != 1 ||
      g.getDpsInputs()[0] != x || g.getNumReductionLoops() != 1 ||
      g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  auto fill = g.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  std::optional<double> v = fill ? floatConstant(fill.getInputs()[0])
                                 : std::nullopt;
  if (!v || *v != init)
    return false;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto combine = yield.getValues()[0].getDefiningOp<Combine>();
  return combine && llvm::is_contained(combine->getOperands(),
                                       body.getArgument(0)) &&
         llvm::is_contained(combine->getOperands(), body.getArgument(1));
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

/// The scores X of P = softmax(X) along the last dim, written out as an
/// exporter does; `guarded` says whether rows of -inf scores are set to 0.
static Value softmaxInput(Value p, bool &guarded) {
  guarded = false;
  // select(all_j(X == -inf), 0, softmax(X)): the guard of fully masked rows.
  if (auto g = p.getDefiningOp<linalg::GenericOp>()) {
    Operation *op = singleBodyOp(g);
    if (op && isa<arith::SelectOp>(op) && g.getNumDpsInputs() == 3 &&
        allParallel(g)) {
      Block &body = g.getRegion().front();
      if (op->getOperand(0) == body.getArgument(0) &&
          op->getOperand(1) == body.getArgument(1) &&
          op->getOperand(2) == body.getArgument(2)) {
        Value zeros = g.getDpsInputs()[1];
        DenseElementsAttr z;
        if (matchPattern(zeros, m_Constant(&z)) && z.isSplat() &&
            z.getSplatValue<APFloat>().isZero()) {
          guarded = true;
          p = g.getDpsInputs()[2];
        }
      }
    }
  }
  auto div = rowBinary<arith::DivFOp>(p);
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
  return x;
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

/// Evaluates a small static tensor built from constants, fills, reshapes and
/// elementwise generics (index arithmetic, compares, selects), as exporters
/// build causal masks. Row-major values; std::nullopt when any op is beyond
/// it or the tensor is larger than `kMaxElements`.
class ConstantEvaluator {
public:
  static constexpr int64_t kMaxElements = 1 << 20;

  std::optional<SmallVector<double>> evaluate(Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() ||
        type.getNumElements() > kMaxElements || ++depth > 64)
      return std::nullopt;
    llvm::scope_exit done([&] { --depth; });
    DenseElementsAttr dense;
    if (matchPattern(v, m_Constant(&dense)))
      return fromDense(dense);
    Operation *def = v.getDefiningOp();
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
      std::optional<double> x = scalar(fill.getInputs()[0]);
      if (!x)
        return std::nullopt;
      return SmallVector<double>(type.getNumElements(), *x);
    }
    if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      return evaluate(def->getOperand(0)); // row-major order is unchanged
    if (auto g = dyn_cast_or_null<linalg::GenericOp>(def))
      return evaluateGeneric(g, cast<OpResult>(v).getResultNumber());
    return std::nullopt;
  }

private:
  static SmallVector<double> fromDense(DenseElementsAttr dense) {
    SmallVector<double> out;
    Type e = dense.getElementType();
    if (isa<FloatType>(e))
      for (APFloat x : dense.getValues<APFloat>())
        out.push_back(x.convertToDouble());
    else
      for (APInt x : dense.getValues<APInt>())
        out.push_back(e.isInteger(1) ? double(x.getZExtValue())
                                     : double(x.getSExtValue()));
    return out;
  }

  std::optional<double> scalar(Value v) {
    if (std::optional<double> f = floatConstant(v))
      return f;
    APInt i;
    if (matchPattern(v, m_ConstantInt(&i)))
      return v.getType().isInteger(1) ? double(i.getZExtValue())
                                      : double(i.getSExtValue());
    return std::nullopt;
  }

  /// Every element of result `resultNumber`: the body interpreted over the
  /// iteration space (all parallel, outputs not read).
  std::optional<SmallVector<double>> evaluateGeneric(linalg::GenericOp g,
                                                     unsigned resultNumber) {
    if (!allParallel(g))
      return std::nullopt;
    SmallVector<int64_t> bounds = g.getStaticLoopRanges();
    if (llvm::any_of(bounds, ShapedType::isDynamic))
      return std::nullopt;
    SmallVector<SmallVector<double>> inputs;
    SmallVector<ArrayRef<int64_t>> inputShapes;
    for (Value in : g.getDpsInputs()) {
      auto values = evaluate(in);
      if (!values)
        return std::nullopt;
      inputs.push_back(std::move(*values));
      inputShapes.push_back(cast<RankedTensorType>(in.getType()).getShape());
    }
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    Block &body = g.getRegion().front();
    int64_t total = 1;
    for (int64_t n : bounds)
      total *= n;
    SmallVector<double> out;
    out.reserve(total);
    SmallVector<int64_t> iv(bounds.size(), 0);
    for (int64_t linear = 0; linear < total; ++linear) {
      for (int64_t d = bounds.size() - 1, rest = linear; d >= 0; --d) {
        iv[d] = rest % bounds[d];
        rest /= bounds[d];
      }
      llvm::DenseMap<Value, double> env;
      for (auto [n, in] : llvm::enumerate(inputs)) {
        SmallVector<int64_t> at = maps[n].compose(iv);
        int64_t offset = 0;
        for (auto [x, extent] : llvm::zip(at, inputShapes[n]))
          offset = offset * extent + x;
        env[body.getArgument(n)] = in[offset];
      }
      std::optional<double> r = run(body, iv, env, resultNumber);
      if (!r)
        return std::nullopt;
      out.push_back(*r);
    }
    return out;
  }

  /// The body's yielded value `which` for loop indices `iv`.
  std::optional<double> run(Block &body, ArrayRef<int64_t> iv,
                            llvm::DenseMap<Value, double> &env,
                            unsigned which) {
    auto get = [&](Value v) -> std::optional<double> {
      auto it = env.find(v);
      if (it != env.end())
        return it->second;
      return scalar(v);
    };
    for (Operation &op : body.without_terminator()) {
      std::optional<double> r;
      SmallVector<double> a;
      for (Value operand : op.getOperands()) {
        std::optional<double> x = get(operand);
        if (!x)
          return std::nullopt;
        a.push_back(*x);
      }
      if (auto index = dyn_cast<linalg::IndexOp>(op))
        r = double(iv[index.getDim()]);
      else if (isa<arith::IndexCastOp, arith::SIToFPOp, arith::ExtFOp,
                   arith::TruncFOp, arith::ExtSIOp, arith::TruncIOp>(op))
        r = a[0];
      else if (isa<arith::AddIOp, arith::AddFOp>(op))
        r = a[0] + a[1];
      else if (isa<arith::SubIOp, arith::SubFOp>(op))
        r = a[0] - a[1];
      else if (isa<arith::MulIOp, arith::MulFOp>(op))
        r = a[0] * a[1];
      else if (isa<arith::NegFOp>(op))
        r = -a[0];
      else if (isa<arith::AndIOp>(op))
        r = double(a[0] != 0 && a[1] != 0);
      else if (isa<arith::OrIOp>(op))
        r = double(a[0] != 0 || a[1] != 0);
      else if (isa<arith::SelectOp>(op))
        r = a[0] != 0 ? a[1] : a[2];
      else if (auto cmp = dyn_cast<arith::CmpIOp>(op))
        r = double(arith::applyCmpPredicate(
            cmp.getPredicate(), APInt(64, static_cast<int64_t>(a[0]), true),
            APInt(64, static_cast<int64_t>(a[1]), true)));
      else if (auto cmp = dyn_cast<arith::CmpFOp>(op))
        r = double(arith::applyCmpPredicate(cmp.getPredicate(), APFloat(a[0]),
                                            APFloat(a[1])));
      if (!r || op.getNumResults() != 1)
        return std::nullopt;
      env[op.getResult(0)] = *r;
    }
    return get(cast<linalg::YieldOp>(body.getTerminator()).getValues()[which]);
  }

  int depth = 0;
};

/// What an additive [Lq, Lk] mask M is: none (all 0), causal (0 where
/// j <= i + Lk - Lq, -inf elsewhere), or something to keep as a bias.
enum class MaskKind { None, Causal, Other };

static MaskKind classifyMask(ArrayRef<double> m, int64_t qLen, int64_t kvLen) {
  bool none = true, causal = true;
  for (int64_t i = 0; i < qLen; ++i)
    for (int64_t j = 0; j < kvLen; ++j) {
      double x = m[i * kvLen + j];
      bool visible = j <= i + kvLen - qLen;
      none &= x == 0.0;
      causal &= visible ? x == 0.0 : (std::isinf(x) && x < 0);
    }
  if (none)
    return MaskKind::None;
  return causal ? MaskKind::Causal : MaskKind::Other;
}

/// Masks too large to evaluate element by element (L = 8192: 64M elements)
/// are read symbolically: each value of the mask's computation as a
/// function of the element (i, j), affine in (i, j) for index arithmetic, a
/// predicate `e(i, j) p 0` for compares, a choice between two constants for
/// selects. A mask `select(pred(j - i), a, b)` then depends on d = j - i
/// alone, and 2L - 1 evaluations decide it.
class SymbolicMask {
public:
  struct Sym {
    enum Kind { Unknown, Const, Affine, Pred, Choice } kind = Unknown;
    double value = 0;                  // Const
    AffineExpr expr;                   // Affine; Pred: expr `pred` 0
    arith::CmpIPredicate pred = arith::CmpIPredicate::eq;
    double ifTrue = 0, ifFalse = 0;    // Choice: Pred ? ifTrue : ifFalse
  };

  /// The mask [Lq, Lk] at symbolic (i, j).
  Sym evaluate(Value mask) {
    MLIRContext *ctx = mask.getContext();
    return at(mask, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, 0);
  }

private:
  Sym at(Value v, ArrayRef<AffineExpr> index, int depth) {
    Sym unknown;
    if (depth > 32)
      return unknown;
    DenseElementsAttr dense;
    if (matchPattern(v, m_Constant(&dense))) {
      if (!dense.isSplat())
        return unknown;
      Attribute a = dense.getSplatValue<Attribute>();
      return constant(a);
    }
    Operation *def = v.getDefiningOp();
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
      Attribute a;
      if (!matchPattern(fill.getInputs()[0], m_Constant(&a)))
        return unknown;
      return constant(a);
    }
    if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      // Same row-major order: linearize in the result, delinearize in the
      // source (static shapes).
      auto from = cast<RankedTensorType>(def->getOperand(0).getType());
      auto to = cast<RankedTensorType>(v.getType());
      if (!from.hasStaticShape() || !to.hasStaticShape())
        return unknown;
      AffineExpr linear = getAffineConstantExpr(0, v.getContext());
      for (auto [x, extent] : llvm::zip(index, to.getShape()))
        linear = linear * extent + x;
      SmallVector<AffineExpr> src(from.getRank());
      for (int64_t d = from.getRank() - 1; d >= 0; --d) {
        int64_t extent = from.getDimSize(d);
        src[d] = extent == 1 ? getAffineConstantExpr(0, v.getContext())
                             : (d == 0 ? linear : linear % extent);
        linear = linear.floorDiv(extent);
      }
      return at(def->getOperand(0), src, depth + 1);
    }
    auto g = dyn_cast_or_null<linalg::GenericOp>(def);
    if (!g || !allParallel(g))
      return unknown;
    unsigned result = cast<OpResult>(v).getResultNumber();
    AffineMap outMap = g.getIndexingMapsArray()[g.getNumDpsInputs() + result];
    if (!outMap.isIdentity())
      return unknown;
    Block &body = g.getRegion().front();
    llvm::DenseMap<Value, Sym> env;
    for (auto [n, in] : llvm::enumerate(g.getDpsInputs())) {
      AffineMap m = g.getIndexingMapsArray()[n];
      SmallVector<AffineExpr> sub;
      for (AffineExpr e : m.getResults())
        sub.push_back(e.replaceDims(index));
      env[body.getArgument(n)] = at(in, sub, depth + 1);
    }
    auto get = [&](Value x) -> Sym {
      auto it = env.find(x);
      if (it != env.end())
        return it->second;
      Attribute a;
      if (matchPattern(x, m_Constant(&a)))
        return constant(a);
      return Sym();
    };
    for (Operation &op : body.without_terminator()) {
      Sym r;
      SmallVector<Sym> a = llvm::map_to_vector(op.getOperands(), get);
      auto affine = [&](const Sym &x) -> AffineExpr {
        if (x.kind == Sym::Affine)
          return x.expr;
        if (x.kind == Sym::Const && x.value == std::floor(x.value))
          return getAffineConstantExpr(int64_t(x.value), op.getContext());
        return AffineExpr();
      };
      if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
        r.kind = Sym::Affine;
        r.expr = index[idx.getDim()];
      } else if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(op)) {
        r = a[0];
      } else if (isa<arith::AddIOp, arith::SubIOp>(op) && affine(a[0]) &&
                 affine(a[1])) {
        r.kind = Sym::Affine;
        r.expr = isa<arith::AddIOp>(op) ? affine(a[0]) + affine(a[1])
                                        : affine(a[0]) - affine(a[1]);
      } else if (auto cmp = dyn_cast<arith::CmpIOp>(op);
                 cmp && affine(a[0]) && affine(a[1])) {
        r.kind = Sym::Pred;
        r.expr = affine(a[0]) - affine(a[1]);
        r.pred = cmp.getPredicate();
      } else if (isa<arith::AndIOp>(op) && a[0].kind == Sym::Pred &&
                 a[1].kind == Sym::Const && a[1].value != 0) {
        r = a[0];
      } else if (isa<arith::AndIOp>(op) && a[1].kind == Sym::Pred &&
                 a[0].kind == Sym::Const && a[0].value != 0) {
        r = a[1];
      } else if (isa<arith::SelectOp>(op) && a[0].kind == Sym::Pred &&
                 a[1].kind == Sym::Const && a[2].kind == Sym::Const) {
        r = a[0];
        r.kind = Sym::Choice;
        r.ifTrue = a[1].value;
        r.ifFalse = a[2].value;
      } else if (isa<arith::TruncFOp, arith::ExtFOp>(op) &&
                 a[0].kind == Sym::Const) {
        r = a[0];
      }
      if (r.kind == Sym::Unknown || op.getNumResults() != 1)
        return unknown;
      env[op.getResult(0)] = r;
    }
    return get(cast<linalg::YieldOp>(body.getTerminator()).getValues()[result]);
  }

  static Sym constant(Attribute a) {
    Sym s;
    if (auto f = dyn_cast<FloatAttr>(a)) {
      s.kind = Sym::Const;
      s.value = f.getValueAsDouble();
    } else if (auto i = dyn_cast<IntegerAttr>(a)) {
      s.kind = Sym::Const;
      s.value = i.getType().isInteger(1) ? double(i.getValue().getZExtValue())
                                         : double(i.getValue().getSExtValue());
    }
    return s;
  }
};

/// The kind of a mask read symbolically: a choice on a predicate of j - i,
/// decided by evaluating it at every diagonal d = j - i.
static std::optional<MaskKind> classifySymbolic(const SymbolicMask::Sym &m,
                                                int64_t qLen, int64_t kvLen) {
  using Sym = SymbolicMask::Sym;
  if (m.kind == Sym::Const)
    return m.value == 0.0 ? MaskKind::None : MaskKind::Other;
  if (m.kind != Sym::Choice)
    return std::nullopt;
  // expr = a i + b j + c; it must be b (j - i) + c.
  MLIRContext *ctx = m.expr.getContext();
  auto coefficient = [&](AffineExpr e,
                         ArrayRef<int64_t> at) -> AffineConstantExpr {
    return dyn_cast<AffineConstantExpr>(simplifyAffineExpr(
        e.replaceDims({getAffineConstantExpr(at[0], ctx),
                       getAffineConstantExpr(at[1], ctx)}),
        0, 0));
  };
  auto c00 = coefficient(m.expr, {0, 0}), c10 = coefficient(m.expr, {1, 0}),
       c01 = coefficient(m.expr, {0, 1}), c11 = coefficient(m.expr, {1, 1});
  if (!c00 || !c10 || !c01 || !c11)
    return std::nullopt;
  int64_t c = c00.getValue(), a = c10.getValue() - c, b = c01.getValue() - c;
  if (a != -b || c11.getValue() != c || !m.expr.isPureAffine())
    return std::nullopt;
  bool none = true, causal = true;
  for (int64_t d = -(qLen - 1); d <= kvLen - 1; ++d) {
    bool holds = arith::applyCmpPredicate(m.pred, APInt(64, b * d + c, true),
                                          APInt(64, 0, true));
    double x = holds ? m.ifTrue : m.ifFalse;
    // Diagonal d holds elements (i, i + d) for some i in [0, Lq).
    bool visible = d <= kvLen - qLen;
    none &= x == 0.0;
    causal &= visible ? x == 0.0 : (std::isinf(x) && x < 0);
  }
  if (none)
    return MaskKind::None;
  return causal ? MaskKind::Causal : MaskKind::Other;
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
    Value x = softmaxInput(p, guarded);
    if (!x)
      return rewriter.notifyMatchFailure(root, "P is not a softmax over keys");
    // A softmax over anything but the scores of the same P V product (extra
    // uses of scores or probabilities) stays as it is.
    if (!p.hasOneUse())
      return rewriter.notifyMatchFailure(root, "P has other uses");

    // X = c_s S (+ M)
    double scale = 1.0;
    Value maskTensor;
    if (auto add = x.getDefiningOp<linalg::GenericOp>()) {
      Operation *op = singleBodyOp(add);
      if (op && isa<arith::AddFOp>(op) && add.getNumDpsInputs() == 2 &&
          allParallel(add) && add.getIndexingMapsArray()[0].isIdentity()) {
        AffineMap m = add.getIndexingMapsArray()[1];
        MLIRContext *ctx = getContext();
        AffineMap lastTwo = AffineMap::get(
            4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
        if (m == lastTwo) {
          maskTensor = add.getDpsInputs()[1];
          x = add.getDpsInputs()[0];
        }
      }
    }
    Value s = peelScale(x, scale);
    auto qk = batchedProduct(s);
    if (!qk)
      return rewriter.notifyMatchFailure(root, "scores are not Q K^T");
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
      auto maskType = cast<RankedTensorType>(maskTensor.getType());
      MaskKind kind = MaskKind::Other;
      if (maskType.hasStaticShape()) {
        int64_t lq = maskType.getDimSize(0), lk = maskType.getDimSize(1);
        if (std::optional<MaskKind> symbolic = classifySymbolic(
                SymbolicMask().evaluate(maskTensor), lq, lk))
          kind = *symbolic;
        else if (auto values = ConstantEvaluator().evaluate(maskTensor))
          kind = classifyMask(*values, lq, lk);
      }
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
    if (bias) {
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
        rewriter.getF32FloatAttr(scale), /*normalization=*/nullptr,
        /*sigmoid_bias=*/nullptr, mask, /*head_masks=*/nullptr,
        /*head_map=*/nullptr, /*softcap=*/nullptr);
    rewriter.replaceOp(root, attention.getOutput());
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
  patterns.add<RaiseAttentionPattern>(patterns.getContext());
}
