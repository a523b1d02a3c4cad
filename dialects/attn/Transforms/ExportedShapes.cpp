//===- ExportedShapes.cpp - an exporter's dynamic-shape idioms, plainly ---===//
//
// With a symbolic sequence length, torch-mlir writes shape plumbing that
// holds for any extent, including 1 (where PyTorch would broadcast):
//
//   - a broadcast as a gather: a generic without inputs whose body reads
//     `tensor.extract %x[..., (dim == 1 ? 0 : i), ...]`;
//   - a view as `tensor.reshape %x(tensor.from_elements(...))`, its extents
//     written as i64 arithmetic on the sizes.
//
// Where the extents involved are provably equal (ValueBounds: destination
// operands, tensor.empty sizes, tensor.dim of the same values), the first is
// an ordinary read of x (an identity or a broadcast along unit dims) and the
// second an expand or collapse (dims merged or split, products equal; one
// product may stay unproven: the reshape's equal element counts imply it).
// These patterns state them so, which is the form attn-raise-attention matches
// for static shapes too. Anything they cannot prove is left as it is.
//
//===----------------------------------------------------------------------===//

#include "ExportedShapes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;
using namespace mlir::attn::detail;

namespace {

using Variable = ValueBoundsConstraintSet::Variable;

/// Whether `a` and `b` provably hold the same extent.
static bool sameExtent(const Variable &a, const Variable &b) {
  FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(a, b);
  return succeeded(equal) && *equal;
}

} // namespace

bool mlir::attn::detail::sameDim(Value x, int64_t i, Value y, int64_t j) {
  auto xType = cast<ShapedType>(x.getType());
  auto yType = cast<ShapedType>(y.getType());
  if (!xType.isDynamicDim(i) && !yType.isDynamicDim(j))
    return xType.getDimSize(i) == yType.getDimSize(j);
  return sameExtent(Variable(x, i), Variable(y, j));
}

namespace {

/// `index` when `v` is `linalg.index <index>`.
static std::optional<int64_t> loopIndex(Value v) {
  if (auto index = v.getDefiningOp<linalg::IndexOp>())
    return index.getDim();
  return std::nullopt;
}

/// x = generic() outs(init) { yield tensor.extract %src[idx...] } where each
/// index reads src along an output dim of the same extent (`i`, or
/// `dim == 1 ? 0 : i` with dim that extent) or at 0 of a unit dim: an
/// ordinary read of src, the gather replaced by a generic with src as input
/// (or by src itself when that is an identity).
struct GatherToIndexedRead : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (g.getNumDpsInputs() != 0 || g.getNumDpsInits() != 1 ||
        g.getNumResults() != 1 || g.getNumReductionLoops() != 0 ||
        !g.getIndexingMapsArray()[0].isIdentity())
      return failure();
    Block &body = g.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    auto extract = yield.getValues()[0].getDefiningOp<tensor::ExtractOp>();
    if (!extract || extract->getBlock() != &body)
      return failure();
    Value src = extract.getTensor();
    if (src.getParentBlock() == &body)
      return failure();
    // Nothing else in the body but the index arithmetic.
    for (Operation &op : body.without_terminator())
      if (!isa<linalg::IndexOp, arith::ConstantOp, arith::CmpIOp,
               arith::SelectOp, tensor::ExtractOp>(op))
        return failure();

    Value out = g.getDpsInits()[0];
    auto srcType = cast<RankedTensorType>(src.getType());
    auto outType = cast<RankedTensorType>(out.getType());
    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> exprs;
    for (auto [k, index] : llvm::enumerate(extract.getIndices())) {
      int64_t srcDim = static_cast<int64_t>(k);
      // At 0 of a unit dim (reads as the matching loop where the output
      // has a unit dim there too).
      if (matchPattern(index, m_Zero())) {
        if (srcType.getDimSize(srcDim) != 1)
          return failure();
        bool aligned = srcType.getRank() == outType.getRank() &&
                       outType.getDimSize(srcDim) == 1;
        exprs.push_back(aligned ? getAffineDimExpr(srcDim, ctx)
                                : getAffineConstantExpr(0, ctx));
        continue;
      }
      // `i`, or `dim == 1 ? 0 : i` with dim the extent read along.
      std::optional<int64_t> loop = loopIndex(index);
      if (!loop) {
        auto select = index.getDefiningOp<arith::SelectOp>();
        auto cmp = select ? select.getCondition().getDefiningOp<arith::CmpIOp>()
                          : arith::CmpIOp();
        if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq ||
            !matchPattern(select.getTrueValue(), m_Zero()) ||
            !matchPattern(cmp.getRhs(), m_One()))
          return failure();
        loop = loopIndex(select.getFalseValue());
        if (!loop || !cmp.getLhs().getType().isIndex() ||
            !sameExtent(Variable(cmp.getLhs()), Variable(src, srcDim)))
          return failure();
      }
      if (!sameDim(src, srcDim, out, *loop))
        return failure();
      exprs.push_back(getAffineDimExpr(*loop, ctx));
    }
    auto map = AffineMap::get(outType.getRank(), 0, exprs, ctx);
    if (map.isIdentity() && srcType == outType) {
      rewriter.replaceOp(g, src);
      return success();
    }
    auto read = linalg::GenericOp::create(
        rewriter, g.getLoc(), TypeRange{outType}, ValueRange{src},
        ValueRange{out},
        ArrayRef<AffineMap>{
            map, AffineMap::getMultiDimIdentityMap(outType.getRank(), ctx)},
        g.getIteratorTypesArray(),
        [](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(b, loc, args[0]);
        });
    rewriter.replaceOp(g, read.getResults());
    return success();
  }
};

/// An extent of a reshape's shape operand: a constant or an index value.
static OpFoldResult shapeElement(PatternRewriter &rewriter, Location loc,
                                 Value element) {
  APInt constant;
  if (matchPattern(element, m_ConstantInt(&constant)))
    return rewriter.getIndexAttr(constant.getSExtValue());
  if (auto cast = element.getDefiningOp<arith::IndexCastOp>())
    if (cast.getIn().getType().isIndex())
      return cast.getIn();
  if (element.getType().isIndex())
    return element;
  return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                    element)
      .getResult();
}

/// An extent as a product: a constant times dynamic factors (each an index
/// value or a tensor dim); `opaque` when part of it is beyond reading.
struct Extent {
  int64_t constant = 1;
  SmallVector<Variable> factors;
  bool opaque = false;

  void multiply(const Extent &other) {
    constant *= other.constant;
    llvm::append_range(factors, other.factors);
    opaque |= other.opaque;
  }
};

/// Dim `d` of `tensor`.
static Extent dimExtent(Value tensor, int64_t d) {
  Extent e;
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.isDynamicDim(d))
    e.factors.push_back(Variable(tensor, d));
  else
    e.constant = type.getDimSize(d);
  return e;
}

/// An element of a reshape's shape operand (i64 or index arithmetic:
/// constants, casts of index values, products).
static Extent shapeExtent(Value v, int depth = 0) {
  Extent e;
  APInt constant;
  if (matchPattern(v, m_ConstantInt(&constant))) {
    e.constant = constant.getSExtValue();
    return e;
  }
  if (auto cast = v.getDefiningOp<arith::IndexCastOp>())
    if (cast.getIn().getType().isIndex())
      v = cast.getIn();
  if (auto mul = v.getDefiningOp<arith::MulIOp>(); mul && depth < 8) {
    e = shapeExtent(mul.getLhs(), depth + 1);
    e.multiply(shapeExtent(mul.getRhs(), depth + 1));
    return e;
  }
  if (v.getType().isIndex())
    e.factors.push_back(Variable(v));
  else
    e.opaque = true;
  return e;
}

/// Whether `a` and `b` are provably the same product.
static bool sameProduct(const Extent &a, const Extent &b) {
  if (a.opaque || b.opaque || a.constant != b.constant ||
      a.factors.size() != b.factors.size())
    return false;
  SmallVector<bool> used(b.factors.size(), false);
  for (const Variable &f : a.factors) {
    bool matched = false;
    for (auto [i, g] : llvm::enumerate(b.factors)) {
      if (used[i] || !sameExtent(f, g))
        continue;
      used[i] = matched = true;
      break;
    }
    if (!matched)
      return false;
  }
  return true;
}

/// Groups of `wide` extents, one per `narrow` extent and in order, whose
/// products provably equal it, except at most one group (which then holds
/// by the reshape's equal element counts; with a zero extent elsewhere the
/// tensor is empty and the unproven group's extent immaterial). Groups are
/// grown from the left and, past a group that cannot be proven, from the right;
/// std::nullopt when no such grouping is found.
static std::optional<SmallVector<ReassociationIndices>>
provenGroups(ArrayRef<Extent> narrow, ArrayRef<Extent> wide) {
  int64_t n = narrow.size(), w = wide.size();
  SmallVector<ReassociationIndices> groups(n);
  // The group of narrow[k] starting at wide[from] (step +1) or ending at it
  // (step -1): the shortest run matching it.
  auto grow = [&](int64_t k, int64_t from, int64_t step,
                  int64_t limit) -> std::optional<ReassociationIndices> {
    Extent product;
    ReassociationIndices run;
    for (int64_t i = from; i != limit; i += step) {
      product.multiply(wide[i]);
      run.push_back(i);
      if (sameProduct(product, narrow[k])) {
        if (step < 0)
          std::reverse(run.begin(), run.end());
        return run;
      }
      if (product.opaque ||
          (product.constant > narrow[k].constant && narrow[k].constant > 0))
        break;
    }
    return std::nullopt;
  };
  int64_t left = 0, k = 0;
  for (; k < n; ++k) {
    auto run = grow(k, left, 1, w);
    if (!run)
      break;
    groups[k] = *run;
    left = run->back() + 1;
  }
  int64_t right = w - 1, back = n - 1;
  for (; back > k; --back) {
    auto run = grow(back, right, -1, left - 1);
    if (!run)
      return std::nullopt;
    groups[back] = *run;
    right = run->front() - 1;
  }
  if (k < n) {
    // The one group left unproven: what lies between.
    if (left > right)
      return std::nullopt;
    groups[k] = llvm::to_vector(llvm::seq<int64_t>(left, right + 1));
  } else if (left <= right) {
    // Unit dims past the last group join it.
    if (llvm::any_of(wide.drop_front(left), [](const Extent &e) {
          return e.opaque || e.constant != 1 || !e.factors.empty();
        }))
      return std::nullopt;
    for (int64_t i = left; i <= right; ++i)
      groups[n - 1].push_back(i);
  }
  return groups;
}

/// tensor.reshape %x(from_elements(...)) that merges or splits contiguous
/// dims (adding or dropping unit dims among them), the products of each
/// group provably equal but for at most one: a collapse or an expand.
struct ReshapeToExpandCollapse : public OpRewritePattern<tensor::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ReshapeOp reshape,
                                PatternRewriter &rewriter) const override {
    auto elements = reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
    auto srcType = dyn_cast<RankedTensorType>(reshape.getSource().getType());
    auto resType = dyn_cast<RankedTensorType>(reshape.getResult().getType());
    if (!elements || !srcType || !resType || srcType.getRank() == 0 ||
        resType.getRank() == 0)
      return failure();
    Value src = reshape.getSource();
    SmallVector<Extent> from, to;
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      from.push_back(dimExtent(src, d));
    for (auto [d, element] : llvm::enumerate(elements.getElements())) {
      Extent e = shapeExtent(element);
      // The result type's static extents are the shape's.
      if (!resType.isDynamicDim(d)) {
        if (!e.opaque && e.factors.empty() &&
            e.constant != resType.getDimSize(d))
          return failure();
        e = Extent();
        e.constant = resType.getDimSize(d);
      }
      to.push_back(e);
    }
    bool expand = srcType.getRank() < resType.getRank();
    auto groups = expand ? provenGroups(from, to) : provenGroups(to, from);
    if (!groups)
      return failure();
    Location loc = reshape.getLoc();
    if (srcType.getRank() == resType.getRank()) {
      // One dim a group: the same shape, or a cast of it.
      if (srcType == resType)
        rewriter.replaceOp(reshape, src);
      else
        rewriter.replaceOpWithNewOp<tensor::CastOp>(reshape, resType, src);
      return success();
    }
    // The ops take the types their groups imply (static where the sizes
    // are), cast to and from the reshape's where those differ.
    auto castTo = [&](Value v, Type type) -> Value {
      return v.getType() == type
                 ? v
                 : tensor::CastOp::create(rewriter, loc, type, v).getResult();
    };
    if (!expand) {
      RankedTensorType collapsed =
          tensor::CollapseShapeOp::inferCollapsedType(srcType, *groups);
      Value result = tensor::CollapseShapeOp::create(rewriter, loc, collapsed,
                                                     src, *groups);
      rewriter.replaceOp(reshape, castTo(result, resType));
      return success();
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < resType.getRank(); ++d)
      sizes.push_back(
          resType.isDynamicDim(d)
              ? shapeElement(rewriter, loc, elements.getElements()[d])
              : rewriter.getIndexAttr(resType.getDimSize(d)));
    auto [staticSizes, dynamicSizes] = decomposeMixedValues(sizes);
    auto expandedType = RankedTensorType::get(
        staticSizes, resType.getElementType(), resType.getEncoding());
    Value expanded = tensor::ExpandShapeOp::create(
        rewriter, loc, expandedType,
        castTo(src, tensor::CollapseShapeOp::inferCollapsedType(expandedType,
                                                                *groups)),
        *groups, sizes);
    rewriter.replaceOp(reshape, castTo(expanded, resType));
    return success();
  }
};

/// x / c (signed) where x = affine.apply(e) with e a multiple of c (a size the
/// exporter multiplied, then divided again): affine.apply(e / c), which
/// ValueBounds reads (whatever the rounding of the division: it is exact).
template <typename DivOp>
struct FoldExactDivision : public OpRewritePattern<DivOp> {
  using OpRewritePattern<DivOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    APInt c;
    auto apply = div.getLhs().template getDefiningOp<affine::AffineApplyOp>();
    if (!apply || !matchPattern(div.getRhs(), m_ConstantInt(&c)) ||
        !c.isStrictlyPositive() || apply.getAffineMap().getNumResults() != 1)
      return failure();
    AffineMap map = apply.getAffineMap();
    AffineExpr e = map.getResult(0);
    int64_t divisor = c.getSExtValue();
    AffineExpr q = simplifyAffineExpr(e.floorDiv(divisor), map.getNumDims(),
                                      map.getNumSymbols());
    if (q.getKind() == AffineExprKind::FloorDiv ||
        simplifyAffineExpr(q * divisor, map.getNumDims(),
                           map.getNumSymbols()) != e)
      return failure();
    rewriter.replaceOpWithNewOp<affine::AffineApplyOp>(
        div, AffineMap::get(map.getNumDims(), map.getNumSymbols(), q),
        apply.getMapOperands());
    return success();
  }
};

/// An i64 size computation as an affine expression of index values (its
/// symbols): constants, casts of index values, sums, differences and
/// products by constants; null beyond that.
static AffineExpr sizeExpr(Value v, SmallVectorImpl<Value> &symbols,
                           int depth = 0) {
  MLIRContext *ctx = v.getContext();
  APInt constant;
  if (matchPattern(v, m_ConstantInt(&constant)))
    return getAffineConstantExpr(constant.getSExtValue(), ctx);
  if (auto cast = v.getDefiningOp<arith::IndexCastOp>();
      cast && cast.getIn().getType().isIndex()) {
    auto *it = llvm::find(symbols, cast.getIn());
    if (it == symbols.end()) {
      symbols.push_back(cast.getIn());
      it = symbols.end() - 1;
    }
    return getAffineSymbolExpr(it - symbols.begin(), ctx);
  }
  // i64 only: narrower arithmetic may wrap where affine expressions do not.
  Operation *op = v.getDefiningOp();
  if (depth > 8 || !v.getType().isInteger(64) ||
      !isa_and_nonnull<arith::AddIOp, arith::SubIOp, arith::MulIOp>(op))
    return AffineExpr();
  AffineExpr lhs = sizeExpr(op->getOperand(0), symbols, depth + 1);
  AffineExpr rhs = sizeExpr(op->getOperand(1), symbols, depth + 1);
  if (!lhs || !rhs)
    return AffineExpr();
  if (isa<arith::AddIOp>(op))
    return lhs + rhs;
  if (isa<arith::SubIOp>(op))
    return lhs - rhs;
  if (!lhs.isSymbolicOrConstant() ||
      (!isa<AffineConstantExpr>(lhs) && !isa<AffineConstantExpr>(rhs)))
    return AffineExpr();
  return lhs * rhs;
}

/// index_cast(e) of an i64 size computation e (exporters compute extents
/// such as L + 1 in i64): affine.apply of the same on the index values,
/// which ValueBounds reads. (Sizes do not overflow i64.)
struct SizeArithmeticToAffine : public OpRewritePattern<arith::IndexCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::IndexCastOp cast,
                                PatternRewriter &rewriter) const override {
    Value in = cast.getIn();
    if (!cast.getType().isIndex() ||
        !isa_and_nonnull<arith::AddIOp, arith::SubIOp, arith::MulIOp>(
            in.getDefiningOp()))
      return failure();
    SmallVector<Value> symbols;
    AffineExpr e = sizeExpr(in, symbols);
    if (!e)
      return failure();
    rewriter.replaceOpWithNewOp<affine::AffineApplyOp>(
        cast, AffineMap::get(0, symbols.size(), e), symbols);
    return success();
  }
};

} // namespace

void mlir::attn::detail::populateExportedShapePatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherToIndexedRead, ReshapeToExpandCollapse,
               FoldExactDivision<arith::DivSIOp>, SizeArithmeticToAffine>(
      patterns.getContext());
}
