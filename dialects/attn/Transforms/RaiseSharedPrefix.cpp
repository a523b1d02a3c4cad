//===- RaiseSharedPrefix.cpp - find shared prefixes in attention ----------===//
//
// A model that shares a prompt between the rows of a batch writes each row's
// KV as the concatenation of the prompt's KV, broadcast over the batch, and
// the row's own KV. Attention over that concatenation is attn.prefix_attention
// with a shared segment per broadcast part and a per_row segment per other
// part; the rewrite states it, so that attn-decompose-shared-prefix can read
// the prompt once for all rows.
//
//   K = concat_2(broadcast_0(Kp), Ks)  ->  segments [shared, per_row]
//
//===----------------------------------------------------------------------===//

#include "attn/Transforms/Passes.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_RAISESHAREDPREFIX
#include "attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The one instance a [B, H, L, D] tensor repeats along the batch: the input
/// of `linalg.broadcast ins(%x : [H, L, D]) dimensions = [0]` (`rank3`), or
/// of a linalg.generic copying x[0, h, l, d] (x: [1, H, L, D]) to every row.
/// Null when `part` is not such a broadcast.
static Value broadcastSource(Value part, bool &rank3) {
  auto type = cast<RankedTensorType>(part.getType());
  if (auto broadcast = part.getDefiningOp<linalg::BroadcastOp>()) {
    rank3 = true;
    return broadcast.getDimensions() == ArrayRef<int64_t>{0}
               ? broadcast.getInput()
               : Value();
  }
  rank3 = false;
  auto generic = part.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumLoops() != 4 ||
      generic.getNumReductionLoops() != 0)
    return Value();
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return Value();
  Value source = generic.getDpsInputs()[0];
  auto sourceType = dyn_cast<RankedTensorType>(source.getType());
  if (!sourceType || sourceType.getRank() != 4 ||
      sourceType.getDimSize(0) != 1 ||
      sourceType.getElementType() != type.getElementType())
    return Value();
  MLIRContext *ctx = part.getContext();
  AffineMap rowZero = AffineMap::get(
      4, 0,
      {getAffineConstantExpr(0, ctx), getAffineDimExpr(1, ctx),
       getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)},
      ctx);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0] != rowZero || !maps[1].isIdentity())
    return Value();
  return source;
}

/// `source` as the [1, H, L, D] instance of a shared segment.
static Value asInstance(PatternRewriter &b, Location loc, Value source,
                        bool rank3) {
  if (!rank3)
    return source;
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, type.getShape());
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  llvm::append_range(sizes, tensor::getMixedSizes(b, loc, source));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), source,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}}, sizes);
}

/// The parts of `kv` along the key axis: the operands of a tensor.concat on
/// dim 2, or `kv` itself.
static SmallVector<Value> keyParts(Value kv) {
  if (auto concat = kv.getDefiningOp<tensor::ConcatOp>())
    if (concat.getDim() == 2)
      return SmallVector<Value>(concat.getInputs());
  return {kv};
}

struct RaiseSharedPrefixPattern : public OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    // attn.prefix_attention carries masks, heads, scale, softcap and the
    // normalization; anything else stays an attn.attention (kv_lengths too:
    // lengths that may cut into the shared part are not ragged suffixes).
    if (op.getAlibiSlopes() || op.getBias() || op.getTemperature() ||
        op.getKvLengths() || op.hasBlockMask() || !op.getScoreMod().empty() ||
        !op.getMaskMod().empty())
      return rewriter.notifyMatchFailure(op, "modifiers prefix attention lacks");
    SmallVector<Value> keys = keyParts(op.getKey());
    SmallVector<Value> values = keyParts(op.getValue());
    if (keys.size() != values.size())
      return rewriter.notifyMatchFailure(op, "K and V split differently");
    for (auto [k, v] : llvm::zip(keys, values))
      if (!compatibleLength(k, v))
        return rewriter.notifyMatchFailure(op, "K and V parts differ in length");

    bool anyShared = llvm::any_of(llvm::zip(keys, values), [](auto kv) {
      bool rank3;
      return broadcastSource(std::get<0>(kv), rank3) &&
             broadcastSource(std::get<1>(kv), rank3);
    });
    if (!anyShared)
      return rewriter.notifyMatchFailure(op, "no part is shared by the batch");

    SmallVector<Attribute> segments;
    SmallVector<Value> segmentKeys, segmentValues;
    for (auto [k, v] : llvm::zip(keys, values)) {
      bool kRank3 = false, vRank3 = false;
      Value sharedK = broadcastSource(k, kRank3);
      Value sharedV = broadcastSource(v, vRank3);
      // Shared only if both K and V repeat one instance.
      bool shared = sharedK && sharedV;
      segments.push_back(SegmentAttr::get(
          getContext(), shared ? SegmentKind::Shared : SegmentKind::PerRow,
          {}));
      segmentKeys.push_back(
          shared ? asInstance(rewriter, op.getLoc(), sharedK, kRank3) : k);
      segmentValues.push_back(
          shared ? asInstance(rewriter, op.getLoc(), sharedV, vRank3) : v);
    }
    rewriter.replaceOpWithNewOp<PrefixAttentionOp>(
        op, op.getResultTypes(), op.getQuery(), segmentKeys, segmentValues,
        /*suffix_lengths=*/Value(), rewriter.getArrayAttr(segments), op.getScaleAttr(),
        op.getNormalizationAttr(), op.getSigmoidBiasAttr(), op.getMaskAttr(),
        op.getHeadMasksAttr(), op.getHeadMapAttr(), op.getSoftcapAttr());
    return success();
  }

private:
  static bool compatibleLength(Value k, Value v) {
    int64_t a = cast<RankedTensorType>(k.getType()).getDimSize(2);
    int64_t b = cast<RankedTensorType>(v.getType()).getDimSize(2);
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  }
};

struct RaiseSharedPrefixPass
    : public attn::impl::RaiseSharedPrefixBase<RaiseSharedPrefixPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRaiseSharedPrefixPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateRaiseSharedPrefixPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RaiseSharedPrefixPattern>(patterns.getContext());
}
