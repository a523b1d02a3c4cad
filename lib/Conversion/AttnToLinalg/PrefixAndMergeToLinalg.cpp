//===- PrefixAndMergeToLinalg.cpp - reference lowering of sharing ops -----===//
//
// attn.prefix_attention is, by definition, attention over the per-row
// concatenation of its segments: the reference lowering builds exactly that
// KV and emits attn.attention. attn.merge becomes one elementwise generic.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/AttnToLinalg/AttnToLinalg.h"

#include "GenericBuilder.h"
#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attune;
using namespace mlir::attune::detail;

namespace {

/// kv[b, :, offset_s : offset_s + L_s, :] = segment_s[instance_s(b)] for each
/// segment s, in order.
static Value concatenateSegments(GenericBuilder &g, PrefixAttentionOp op,
                                 ValueRange segments, OpFoldResult batch) {
  OpBuilder &b = g.b;
  Location loc = g.loc;
  auto first = cast<RankedTensorType>(segments.front().getType());
  Value total = cIndex(b, loc, 0);
  SmallVector<Value> lengths;
  for (Value segment : segments) {
    lengths.push_back(tensor::DimOp::create(b, loc, segment, 2));
    total = arith::AddIOp::create(b, loc, total, lengths.back());
  }
  SmallVector<OpFoldResult> shape = {batch, b.getIndexAttr(first.getDimSize(1)),
                                     total,
                                     b.getIndexAttr(first.getDimSize(3))};
  Value kv = g.empty(shape, first.getElementType());
  Value offset = cIndex(b, loc, 0);
  for (auto [s, segmentValue] : llvm::enumerate(segments)) {
    Value segment = segmentValue;
    auto segmentAttr = cast<SegmentAttr>(op.getSegments()[s]);
    SmallVector<OpFoldResult> rowsShape = shape;
    rowsShape[2] = lengths[s];
    Value init = g.empty(rowsShape, first.getElementType());
    // rows[b,h,j,d] = segment[instance(b), h, j, d]
    Value rows = g.generic(
        init.getType(), {}, {init}, {g.map(4, {0, 1, 2, 3})}, 4, 0,
        [&](OpBuilder &nb, Location nloc, ValueRange) {
          Value bi = linalg::IndexOp::create(nb, nloc, 0);
          Value hi = linalg::IndexOp::create(nb, nloc, 1);
          Value ji = linalg::IndexOp::create(nb, nloc, 2);
          Value di = linalg::IndexOp::create(nb, nloc, 3);
          Value instance;
          switch (segmentAttr.getKind()) {
          case SegmentKind::Shared:
            instance = cIndex(nb, nloc, 0);
            break;
          case SegmentKind::PerRow:
            instance = bi;
            break;
          case SegmentKind::Rows:
            instance = tensor::ExtractOp::create(
                nb, nloc, indexTable(nb, nloc, segmentAttr.getRows()), bi);
            break;
          }
          Value x = tensor::ExtractOp::create(nb, nloc, segment,
                                              ValueRange{instance, hi, ji, di});
          yieldOne(nb, nloc, x);
        })[0];
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         offset, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    kv = tensor::InsertSliceOp::create(b, loc, rows, kv, offsets, rowsShape,
                                       strides);
    offset = arith::AddIOp::create(b, loc, offset, lengths[s]);
  }
  return kv;
}

struct LowerPrefixAttention : public OpRewritePattern<PrefixAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PrefixAttentionOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    OpFoldResult batch =
        tensor::getMixedSize(rewriter, op.getLoc(), op.getQuery(), 0);
    Value key = concatenateSegments(g, op, op.getKeys(), batch);
    Value value = concatenateSegments(g, op, op.getValues(), batch);
    // A ragged last segment: kv_lengths[b] = (earlier lengths) +
    // clamp(suffix_lengths[b], 0, L_last).
    Value kvLengths;
    if (Value suffix = op.getSuffixLengths()) {
      Location loc = op.getLoc();
      Type i32 = rewriter.getI32Type();
      Value before = cIndex(rewriter, loc, 0);
      for (Value k : op.getKeys().drop_back())
        before = arith::AddIOp::create(rewriter, loc, before,
                                       tensor::DimOp::create(rewriter, loc, k, 2));
      Value last = tensor::DimOp::create(rewriter, loc, op.getKeys().back(), 2);
      before = arith::IndexCastOp::create(rewriter, loc, i32, before);
      last = arith::IndexCastOp::create(rewriter, loc, i32, last);
      Value init = g.empty({batch}, i32);
      kvLengths = g.generic(
          init.getType(), {suffix}, {init}, {g.map(1, {0}), g.map(1, {0})}, 1,
          0, [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value zero = arith::ConstantIntOp::create(nb, nloc, i32, 0);
            Value n = arith::MinSIOp::create(
                nb, nloc, arith::MaxSIOp::create(nb, nloc, args[0], zero), last);
            yieldOne(nb, nloc, arith::AddIOp::create(nb, nloc, before, n));
          })[0];
    }
    auto attention = AttentionOp::create(
        rewriter, op.getLoc(), op.getResultTypes(), op.getQuery(), key, value,
        /*alibi_slopes=*/Value(), /*bias=*/Value(), /*temperature=*/Value(),
        kvLengths,
        /*kv_num_blocks=*/Value(), /*kv_indices=*/Value(),
        /*full_kv_num_blocks=*/Value(), /*full_kv_indices=*/Value(),
        /*block_size=*/nullptr, op.getScaleAttr(), op.getNormalizationAttr(),
        op.getSigmoidBiasAttr(), op.getMaskAttr(), op.getHeadMasksAttr(),
        op.getHeadMapAttr(), op.getSoftcapAttr());
    rewriter.replaceOp(op, attention.getResults());
    return success();
  }
};

struct LowerMerge : public OpRewritePattern<MergeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MergeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    Value firstPart = op.getOutputs().front();
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    Type outElement = outType.getElementType();
    unsigned rank = outType.getRank();
    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(rewriter, loc, firstPart);
    SmallVector<OpFoldResult> rowShape(shape.begin(), shape.end() - 1);
    SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    SmallVector<int64_t> rows(all.begin(), all.end() - 1);
    size_t numParts = op.getOutputs().size();
    float negInf = -std::numeric_limits<float>::infinity();

    if (op.getNormalization() == Normalization::Sigmoid) {
      // o = sum_i o_i
      SmallVector<AffineMap> maps(numParts + 1, g.map(rank, all));
      Value init = g.empty(shape, outElement);
      Value out = g.generic(
          init.getType(), op.getOutputs(), {init}, maps, rank, 0,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value sum = cF32(nb, nloc, 0.0);
            for (Value part : args.drop_back())
              sum = arith::AddFOp::create(nb, nloc, sum, toF32(nb, nloc, part));
            yieldOne(nb, nloc,
                                    fromF32(nb, nloc, sum, outElement));
          })[0];
      rewriter.replaceOp(op, castTo(rewriter, loc, out, outType));
      return success();
    }

    // m = max_i lse_i; w_i = m > -inf ? exp(lse_i - m) : 0; W = sum_i w_i.
    auto weights = [&](OpBuilder &nb, Location nloc, ValueRange lses,
                       SmallVectorImpl<Value> &w) -> std::pair<Value, Value> {
      Value m = cF32(nb, nloc, negInf);
      for (Value lse : lses)
        m = arith::MaximumFOp::create(nb, nloc, m, lse);
      Value finite = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT,
                                           m, cF32(nb, nloc, negInf));
      Value sum = cF32(nb, nloc, 0.0);
      for (Value lse : lses) {
        Value e = math::ExpOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, lse, m));
        w.push_back(arith::SelectOp::create(nb, nloc, finite, e,
                                            cF32(nb, nloc, 0.0)));
        sum = arith::AddFOp::create(nb, nloc, sum, w.back());
      }
      return {m, sum};
    };

    // o = W > 0 ? sum_i w_i o_i / W : 0
    SmallVector<Value> inputs(op.getOutputs());
    llvm::append_range(inputs, op.getLses());
    SmallVector<AffineMap> maps(numParts, g.map(rank, all));
    maps.append(numParts, g.map(rank, rows));
    maps.push_back(g.map(rank, all));
    Value init = g.empty(shape, outElement);
    Value out = g.generic(
        init.getType(), inputs, {init}, maps, rank, 0,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          SmallVector<Value> w;
          Value sum = weights(nb, nloc, args.slice(numParts, numParts), w).second;
          Value acc = cF32(nb, nloc, 0.0);
          for (size_t i = 0; i < numParts; ++i)
            acc = arith::AddFOp::create(
                nb, nloc, acc,
                arith::MulFOp::create(nb, nloc, w[i], toF32(nb, nloc, args[i])));
          Value zero = cF32(nb, nloc, 0.0);
          Value nonEmpty = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OGT, sum, zero);
          Value o = arith::SelectOp::create(
              nb, nloc, nonEmpty, arith::DivFOp::create(nb, nloc, acc, sum),
              zero);
          yieldOne(nb, nloc, fromF32(nb, nloc, o, outElement));
        })[0];
    SmallVector<Value> results = {castTo(rewriter, loc, out, outType)};
    if (Value lseResult = op.getLse()) {
      // lse = W > 0 ? m + log(W) : -inf
      SmallVector<AffineMap> lseMaps(numParts + 1, g.map(rank - 1, rows));
      Value lseInit = g.empty(rowShape, rewriter.getF32Type());
      Value lse = g.generic(
          lseInit.getType(), op.getLses(), {lseInit}, lseMaps, rank - 1, 0,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            SmallVector<Value> w;
            auto [m, sum] = weights(nb, nloc, args.drop_back(), w);
            Value nonEmpty = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OGT, sum, cF32(nb, nloc, 0.0));
            Value value = arith::AddFOp::create(
                nb, nloc, m, math::LogOp::create(nb, nloc, sum));
            yieldOne(
                nb, nloc,
                arith::SelectOp::create(nb, nloc, nonEmpty, value,
                                        cF32(nb, nloc, negInf)));
          })[0];
      results.push_back(castTo(
          rewriter, loc, lse, cast<RankedTensorType>(lseResult.getType())));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::attune::populatePrefixAndMergeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerPrefixAttention, LowerMerge>(patterns.getContext());
}
