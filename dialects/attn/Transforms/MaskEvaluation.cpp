//===- MaskEvaluation.cpp - what an exported additive mask is -------------===//
//
// Exporters build attention masks from index arithmetic (torch.triu,
// is_causal): iota, compares, selects between 0 and -inf. To state them as
// attn masks, the raising evaluates them at compile time, either symbolically
// (any size: a choice on a predicate of j - i, decided per diagonal) or
// element by element (small tensors, any elementwise computation).
//
//===----------------------------------------------------------------------===//

#include "MaskEvaluation.h"

#include "ExportedShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/ScopeExit.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

std::optional<double> attn::detail::floatConstant(Value v) {
  if (auto cast = v.getDefiningOp<arith::TruncFOp>())
    return floatConstant(cast.getIn());
  if (auto cast = v.getDefiningOp<arith::ExtFOp>())
    return floatConstant(cast.getIn());
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

std::optional<double> attn::detail::splatFloatConstant(Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.isSplat() ||
      !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

std::optional<double> attn::detail::constantOperand(linalg::GenericOp g,
                                                    Value operand) {
  auto arg = dyn_cast<BlockArgument>(operand);
  if (!arg || arg.getOwner() != &g.getRegion().front())
    return floatConstant(operand);
  if (arg.getArgNumber() >= g.getNumDpsInputs())
    return std::nullopt;
  return splatFloatConstant(g.getDpsInputs()[arg.getArgNumber()]);
}

namespace {

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
        type.getNumElements() > kMaxElements || depth >= 64)
      return std::nullopt;
    ++depth;
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

/// The mask kind from its values, seen one by one with their diagonal
/// d = j - i: causal keeps (0) exactly the diagonals d <= Lk - Lq and hides
/// (-inf) the others.
class MaskVerdict {
public:
  MaskVerdict(int64_t qLen, int64_t kvLen) : lastVisible(kvLen - qLen) {}

  void add(double x, int64_t diagonal) {
    none &= x == 0.0;
    causal &= diagonal <= lastVisible ? x == 0.0 : (std::isinf(x) && x < 0);
  }
  MaskKind kind() const {
    if (none)
      return MaskKind::None;
    return causal ? MaskKind::Causal : MaskKind::Other;
  }

private:
  int64_t lastVisible;
  bool none = true, causal = true;
};

static MaskKind classifyValues(ArrayRef<double> m, int64_t qLen,
                               int64_t kvLen) {
  MaskVerdict verdict(qLen, kvLen);
  for (int64_t i = 0; i < qLen; ++i)
    for (int64_t j = 0; j < kvLen; ++j)
      verdict.add(m[i * kvLen + j], j - i);
  return verdict.kind();
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
    double value = 0; // Const
    AffineExpr expr;  // Affine; Pred: expr `pred` 0
    arith::CmpIPredicate pred = arith::CmpIPredicate::eq;
    double ifTrue = 0, ifFalse = 0; // Choice: Pred ? ifTrue : ifFalse
  };

  /// The mask [(1, 1,) Lq, Lk] at symbolic (i, j).
  Sym evaluate(Value mask) {
    MLIRContext *ctx = mask.getContext();
    int64_t rank = cast<RankedTensorType>(mask.getType()).getRank();
    SmallVector<AffineExpr> index(rank - 2, getAffineConstantExpr(0, ctx));
    index.push_back(getAffineDimExpr(0, ctx));
    index.push_back(getAffineDimExpr(1, ctx));
    return at(mask, index, 0);
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
      auto from = cast<RankedTensorType>(def->getOperand(0).getType());
      auto to = cast<RankedTensorType>(v.getType());
      // Unit dims added or dropped (any extents): the other dims' indices
      // pass through, unit dims are read at 0.
      if (std::optional<SmallVector<AffineExpr>> src =
              throughUnitDims(def, index))
        return at(def->getOperand(0), *src, depth + 1);
      // Same row-major order: linearize in the result, delinearize in the
      // source (static shapes).
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

  /// The source index of a reshape's element `index` when each of its
  /// groups holds at most one dim other than a static 1.
  static std::optional<SmallVector<AffineExpr>>
  throughUnitDims(Operation *reshape, ArrayRef<AffineExpr> index) {
    auto from = cast<RankedTensorType>(reshape->getOperand(0).getType());
    auto to = cast<RankedTensorType>(reshape->getResult(0).getType());
    bool expand = isa<tensor::ExpandShapeOp>(reshape);
    SmallVector<ReassociationIndices> groups =
        expand
            ? cast<tensor::ExpandShapeOp>(reshape).getReassociationIndices()
            : cast<tensor::CollapseShapeOp>(reshape).getReassociationIndices();
    RankedTensorType wide = expand ? to : from;
    MLIRContext *ctx = reshape->getContext();
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    SmallVector<AffineExpr> src(from.getRank(), zero);
    for (auto [g, group] : llvm::enumerate(groups)) {
      SmallVector<int64_t> wideDims = llvm::filter_to_vector(
          group, [&](int64_t d) { return wide.getDimSize(d) != 1; });
      if (wideDims.size() > 1)
        return std::nullopt;
      if (wideDims.empty())
        continue;
      if (expand)
        src[g] = index[wideDims[0]];
      else
        src[wideDims[0]] = index[g];
    }
    return src;
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
/// decided by evaluating it at every diagonal d = j - i. qLen and kvLen may
/// be ShapedType::kDynamic when they are known to be equal (a square mask
/// of any size): then the diagonals around the predicate's one or two
/// change points decide it, the value being constant on either side.
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
    return dyn_cast<AffineConstantExpr>(
        simplifyAffineExpr(e.replaceDims({getAffineConstantExpr(at[0], ctx),
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
  // Every diagonal d holds elements (i, i + d) for some i in [0, Lq). For
  // a square mask of unknown size, b d + c changes sign near d = -c / b
  // only (|d| <= |c| + 1): the window [-(|c| + 2), |c| + 2] sees every
  // change and both sides beyond them.
  int64_t first = -(qLen - 1), last = kvLen - 1;
  if (ShapedType::isDynamic(qLen)) {
    int64_t reach = std::abs(c) + 2;
    if (reach > (int64_t(1) << 24))
      return std::nullopt;
    first = -reach;
    last = reach;
    qLen = kvLen = 0; // the last visible diagonal of a square mask: 0
  }
  MaskVerdict verdict(qLen, kvLen);
  for (int64_t d = first; d <= last; ++d) {
    bool holds = arith::applyCmpPredicate(m.pred, APInt(64, b * d + c, true),
                                          APInt(64, 0, true));
    verdict.add(holds ? m.ifTrue : m.ifFalse, d);
  }
  return verdict.kind();
}

} // namespace

MaskKind attn::detail::classifyAdditiveMask(Value mask) {
  // [Lq, Lk], or [1, 1, Lq, Lk] (the same elements in row-major order).
  auto type = cast<RankedTensorType>(mask.getType());
  if (type.getRank() < 2 || llvm::any_of(type.getShape().drop_back(2),
                                         [](int64_t d) { return d != 1; }))
    return MaskKind::Other;
  int64_t rank = type.getRank();
  int64_t lq = type.getDimSize(rank - 2), lk = type.getDimSize(rank - 1);
  // A dynamic mask: square (its two extents provably equal), read
  // symbolically only.
  if (!type.hasStaticShape()) {
    if (!sameDim(mask, rank - 2, mask, rank - 1))
      return MaskKind::Other;
    std::optional<MaskKind> kind =
        classifySymbolic(SymbolicMask().evaluate(mask), ShapedType::kDynamic,
                         ShapedType::kDynamic);
    return kind.value_or(MaskKind::Other);
  }
  if (std::optional<MaskKind> kind =
          classifySymbolic(SymbolicMask().evaluate(mask), lq, lk))
    return *kind;
  if (auto values = ConstantEvaluator().evaluate(mask))
    return classifyValues(*values, lq, lk);
  return MaskKind::Other;
}
