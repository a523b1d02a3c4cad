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

#include "ExportedShapes.h"
#include "MaskEvaluation.h"
#include "NormalizationMatching.h"

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
    std::optional<double> c = constantOperand(g, op->getOperand(1));
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
    AffineMap skipGroup =
        AffineMap::get(5, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                        getAffineDimExpr(3, ctx), getAffineDimExpr(4, ctx)},
                       ctx);
    if (g.getNumDpsInputs() == 1 && body.getOperations().size() == 1 &&
        yield.getValues()[0] == body.getArgument(0) &&
        g.getIndexingMapsArray()[0] == skipGroup && allParallel(g))
      return {g.getDpsInputs()[0], group};
    // Or an expand to [B, Hkv, 1, L, D] broadcast along the unit dim.
    AffineMap unitGroup =
        AffineMap::get(5, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                        getAffineConstantExpr(0, ctx), getAffineDimExpr(3, ctx),
                        getAffineDimExpr(4, ctx)},
                       ctx);
    if (g.getNumDpsInputs() == 1 && body.getOperations().size() == 1 &&
        yield.getValues()[0] == body.getArgument(0) &&
        g.getIndexingMapsArray()[0] == unitGroup && allParallel(g))
      if (auto expand =
              g.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>())
        if (expand.getSrcType().getRank() == 4)
          return {expand.getSrc(), group};
  }
  return {v, 1};
}

/// Whether Q and K provably have as many positions (no row is then fully
/// masked by a causal mask): equal static extents, or dynamic ones equal by
/// their shape computations.
static bool lengthsMatch(Value q, Value k) {
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  if (!qType.isDynamicDim(2) && !kType.isDynamicDim(2))
    return qType.getDimSize(2) <= kType.getDimSize(2);
  return sameDim(q, 2, k, 2);
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
        auto maskType =
            dyn_cast<RankedTensorType>(add.getDpsInputs()[1].getType());
        bool broadcast4 =
            maskType && maskType.getRank() == 4 &&
            maskType.getDimSize(0) == 1 && maskType.getDimSize(1) == 1 &&
            m.getNumResults() == 4 &&
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
    if (!guarded && mask && !lengthsMatch(q, k))
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
          rewriter, loc,
          RankedTensorType::get(shape, maskType.getElementType()), bias,
          ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}}, sizes);
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
    if (g.getNumDpsInputs() != 1 || g.getNumResults() != 1 || !allParallel(g) ||
        g.getRegion().front().getOperations().size() != 1)
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
    Value repeated = linalg::BroadcastOp::create(rewriter, loc, x, init,
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
          collapse, flat, r, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
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
  populateExportedShapePatterns(patterns);
}
