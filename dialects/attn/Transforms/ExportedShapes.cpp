//===- ExportedShapes.cpp - an exporter's dynamic-shape idioms, plainly ---===//
//
// With a symbolic sequence length, torch-mlir writes shape plumbing that
// holds for any extent, including 1 (where PyTorch would broadcast):
//
//   - a broadcast as a gather: a generic without inputs whose body reads
//     `tensor.extract %x[..., (dim == 1 ? 0 : i), ...]`;
//   - a view as `tensor.reshape %x(tensor.from_elements(...))`.
//
// Where the extents involved are provably equal (ValueBounds: destination
// operands, tensor.empty sizes, tensor.dim of the same values), the first is
// an ordinary read of x (an identity or a broadcast along unit dims) and the
// second an expand or collapse of unit dims. These patterns state them so,
// which is the form attn-raise-attention matches for static shapes too.
// Anything they cannot prove is left as it is.
//
//===----------------------------------------------------------------------===//

#include "ExportedShapes.h"

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

/// Whether dim `i` of `x` and dim `j` of `y` are provably the same extent.
static bool sameDim(Value x, int64_t i, Value y, int64_t j) {
  auto xType = cast<ShapedType>(x.getType());
  auto yType = cast<ShapedType>(y.getType());
  if (!xType.isDynamicDim(i) && !yType.isDynamicDim(j))
    return xType.getDimSize(i) == yType.getDimSize(j);
  return sameExtent(Variable(x, i), Variable(y, j));
}

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
        if (!loop || !sameExtent(Variable(cmp.getLhs()), Variable(src, srcDim)))
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

/// Reassociation collapsing the unit dims of `shape` into their neighbours
/// (leading ones into the first group); empty when all are unit dims.
static SmallVector<ReassociationIndices>
unitDimGroups(ArrayRef<int64_t> shape) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (auto [d, size] : llvm::enumerate(shape)) {
    pending.push_back(d);
    if (size == 1)
      continue;
    groups.push_back(pending);
    pending.clear();
  }
  if (!groups.empty())
    llvm::append_range(groups.back(), pending);
  return groups;
}

/// tensor.reshape %x(from_elements(...)) that only adds or drops unit dims,
/// the other extents provably equal in order: a collapse of x's unit dims
/// and an expand to the result's.
struct ReshapeToExpandCollapse : public OpRewritePattern<tensor::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ReshapeOp reshape,
                                PatternRewriter &rewriter) const override {
    auto elements = reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
    auto srcType = dyn_cast<RankedTensorType>(reshape.getSource().getType());
    auto resType = dyn_cast<RankedTensorType>(reshape.getResult().getType());
    if (!elements || !srcType || !resType)
      return failure();
    Value src = reshape.getSource();
    Location loc = reshape.getLoc();
    // The non-unit dims pair up in order.
    SmallVector<int64_t> srcCore, resCore;
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      if (srcType.getDimSize(d) != 1)
        srcCore.push_back(d);
    for (int64_t d = 0; d < resType.getRank(); ++d)
      if (resType.getDimSize(d) != 1)
        resCore.push_back(d);
    if (srcCore.empty() || srcCore.size() != resCore.size())
      return failure();
    for (auto [s, r] : llvm::zip(srcCore, resCore)) {
      if (!srcType.isDynamicDim(s) && !resType.isDynamicDim(r)) {
        if (srcType.getDimSize(s) != resType.getDimSize(r))
          return failure();
        continue;
      }
      if (!srcType.isDynamicDim(s) || !resType.isDynamicDim(r))
        return failure();
      Value element = elements.getElements()[r];
      if (auto cast = element.getDefiningOp<arith::IndexCastOp>())
        element = cast.getIn();
      if (!element.getType().isIndex() ||
          !sameExtent(Variable(src, s), Variable(element)))
        return failure();
    }
    // x -> core -> result.
    Value core = src;
    SmallVector<int64_t> coreShape;
    for (int64_t d : srcCore)
      coreShape.push_back(srcType.getDimSize(d));
    auto coreType = RankedTensorType::get(coreShape, srcType.getElementType());
    if (srcCore.size() != static_cast<size_t>(srcType.getRank()))
      core = tensor::CollapseShapeOp::create(rewriter, loc, coreType, src,
                                             unitDimGroups(srcType.getShape()));
    Value result = core;
    if (resCore.size() != static_cast<size_t>(resType.getRank())) {
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < resType.getRank(); ++d)
        sizes.push_back(
            resType.isDynamicDim(d)
                ? shapeElement(rewriter, loc, elements.getElements()[d])
                : rewriter.getIndexAttr(resType.getDimSize(d)));
      result = tensor::ExpandShapeOp::create(rewriter, loc, resType, core,
                                             unitDimGroups(resType.getShape()),
                                             sizes);
    }
    rewriter.replaceOp(reshape, result);
    return success();
  }
};

} // namespace

void mlir::attn::detail::populateExportedShapePatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherToIndexedRead, ReshapeToExpandCollapse>(
      patterns.getContext());
}
