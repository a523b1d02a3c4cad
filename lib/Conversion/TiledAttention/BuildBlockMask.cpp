//===- BuildBlockMask.cpp - the attn-build-block-mask pass ----------------===//
//
// FlexAttention's create_block_mask as a rewrite: an attn.attention with a
// mask_mod region (and no block lists) gets block lists computed from that
// region and its mask, in IR that runs before it (so any shape, static or
// dynamic, works). Every (query block, key block) pair is classified by
// evaluating the visibility of all its elements:
//
//   all elements in range visible  -> full list (no masking in the kernel)
//   some visible                   -> partial list (mask applied)
//   none                           -> not listed (never visited)
//
// When the extents are static, the region is integer arithmetic and the
// problem is small enough (at most 2^24 scores), the lists are computed at
// compile time instead (RegionEvaluator, the mask attribute's isVisible)
// and become constants. Otherwise visibility comes from TileSemantics, the
// same code the fused kernels use.
// The pass lives with the tile semantics (layer 2) for that reason, though
// its output is still attn IR.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/TiledAttention/RegionEvaluator.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attn-build-block-mask"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_BUILDBLOCKMASK
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;
using namespace mlir::attune;

namespace {

/// Emits a loop with iter_args; `body` returns the values to yield.
template <typename Fn>
ValueRange loop(OpBuilder &b, Location loc, Value lb, Value ub,
                ValueRange init, Fn body) {
  auto forOp = scf::ForOp::create(
      b, loc, lb, ub, arith::ConstantIndexOp::create(b, loc, 1), init,
      [&](OpBuilder &nb, Location, Value iv, ValueRange iter) {
        scf::YieldOp::create(nb, loc, body(nb, iv, iter));
      });
  return forOp.getResults();
}

struct BuildBlockMask : public OpRewritePattern<attn::AttentionOp> {
  BuildBlockMask(MLIRContext *context, int64_t qBlock, int64_t kvBlock)
      : OpRewritePattern(context), qBlock(qBlock), kvBlock(kvBlock) {}

  LogicalResult matchAndRewrite(attn::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getMaskMod().empty() || op.hasBlockMask())
      return rewriter.notifyMatchFailure(op, "no mask_mod, or lists already");
    std::string why;
    std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
    if (!sem)
      return rewriter.notifyMatchFailure(op, why);
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    if (std::optional<SmallVector<Value>> lists =
            listsAtCompileTime(op, b)) {
      replaceWithLists(op, *lists, rewriter);
      return success();
    }
    auto cIdx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    Type i32 = b.getI32Type();
    Value qLen = tensor::DimOp::create(b, loc, op.getQuery(), 2);
    Value kvLen = tensor::DimOp::create(b, loc, op.getKey(), 2);
    Value numQ = arith::CeilDivUIOp::create(b, loc, qLen, cIdx(qBlock));
    Value numKv = arith::CeilDivUIOp::create(b, loc, kvLen, cIdx(kvBlock));
    // Lists per (batch, head) when the region reads b or h, or heads have
    // masks of their own; one list for all otherwise.
    Block &region = op.getMaskMod().front();
    bool perRow = !region.getArgument(0).use_empty() ||
                  !region.getArgument(1).use_empty() ||
                  !op.hasUniformMask();
    Value rows = perRow ? tensor::DimOp::create(b, loc, op.getQuery(), 0)
                              .getResult()
                        : cIdx(1);
    Value heads = cIdx(perRow ? op.getNumQueryHeads() : 1);
    int64_t headExtent = perRow ? op.getNumQueryHeads() : 1;
    auto zeros = [&](ArrayRef<int64_t> shape, ValueRange dynamic) -> Value {
      Value empty = tensor::EmptyOp::create(b, loc, shape, i32, dynamic);
      Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
      return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    };
    int64_t dyn = ShapedType::kDynamic;
    SmallVector<Value> countDims, indexDims;
    if (perRow)
      countDims.push_back(rows);
    countDims.push_back(numQ);
    indexDims = countDims;
    indexDims.push_back(numKv);
    SmallVector<int64_t> countShape = {perRow ? dyn : 1, headExtent, dyn};
    SmallVector<int64_t> indexShape = {perRow ? dyn : 1, headExtent, dyn, dyn};
    SmallVector<Value> lists = {zeros(countShape, countDims),
                                zeros(indexShape, indexDims),
                                zeros(countShape, countDims),
                                zeros(indexShape, indexDims)};

    auto toI32 = [&](OpBuilder &nb, Value x) -> Value {
      return arith::IndexCastOp::create(nb, loc, i32, x);
    };
    ValueRange built = loop(b, loc, cIdx(0), rows, lists, [&](OpBuilder &,
                                                              Value bi,
                                                              ValueRange l0) {
      return SmallVector<Value>(loop(
          b, loc, cIdx(0), heads, l0, [&](OpBuilder &, Value hi, ValueRange l1) {
            return SmallVector<Value>(loop(
                b, loc, cIdx(0), numQ, l1,
                [&](OpBuilder &, Value qb, ValueRange l2) {
                  TileRows tile;
                  tile.qLen = qLen;
                  tile.kvLen = kvLen;
                  tile.batch = bi;
                  tile.heads = hi;
                  sem->maskBounds(b, loc, hi, tile.left, tile.right,
                                  tile.sinks);
                  Value zero = cIdx(0);
                  // Walk the key blocks, appending to the lists.
                  SmallVector<Value> init = {l2[1], l2[3], zero, zero};
                  ValueRange walk = loop(
                      b, loc, zero, numKv, init,
                      [&](OpBuilder &, Value kb, ValueRange st) {
                        auto [any, all] = classify(b, loc, *sem, tile, qb, kb,
                                                   qLen, kvLen);
                        return append(b, loc, any, all, kb, st,
                                      ValueRange{bi, zero, qb}, perRow, hi);
                      });
                  SmallVector<Value> where = {perRow ? bi : zero,
                                              perRow ? hi : zero, qb};
                  Value partial = tensor::InsertOp::create(
                      b, loc, toI32(b, walk[2]), l2[0], where);
                  Value full = tensor::InsertOp::create(
                      b, loc, toI32(b, walk[3]), l2[2], where);
                  return SmallVector<Value>{partial, walk[0], full, walk[1]};
                }));
          }));
    });

    replaceWithLists(op, built, rewriter);
    return success();
  }

  /// `op` with block lists (partial counts, indices, full counts, indices).
  void replaceWithLists(attn::AttentionOp op, ValueRange lists,
                        PatternRewriter &rewriter) const {
    auto blockSize = rewriter.getDenseI64ArrayAttr({qBlock, kvBlock});
    auto replacement = attn::AttentionOp::create(
        rewriter, op.getLoc(), op.getOutput().getType(),
        op.getLse() ? op.getLse().getType() : Type(), op.getQuery(),
        op.getKey(), op.getValue(), op.getAlibiSlopes(), op.getBias(),
        op.getTemperature(), op.getKvLengths(), lists[0], lists[1], lists[2],
        lists[3], blockSize, op.getScaleAttr(), op.getNormalizationAttr(),
        op.getSigmoidBiasAttr(), op.getMaskAttr(), op.getHeadMasksAttr(),
        op.getHeadMapAttr(), op.getSoftcapAttr());
    rewriter.inlineRegionBefore(op.getScoreMod(), replacement.getScoreMod(),
                                replacement.getScoreMod().end());
    rewriter.inlineRegionBefore(op.getMaskMod(), replacement.getMaskMod(),
                                replacement.getMaskMod().end());
    rewriter.replaceOp(op, replacement->getResults());
  }

  /// The lists as constants, computed here: static extents, no ragged
  /// lengths, an integer region, at most 2^24 scores to evaluate.
  std::optional<SmallVector<Value>>
  listsAtCompileTime(attn::AttentionOp op, OpBuilder &b) const {
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    if (op.getKvLengths() || qType.isDynamicDim(2) || kType.isDynamicDim(2))
      return std::nullopt;
    std::optional<RegionEvaluator> region =
        RegionEvaluator::compile(op.getMaskMod());
    if (!region)
      return std::nullopt;
    bool perRow = region->reads(0) || region->reads(1) || !op.hasUniformMask();
    if (perRow && qType.isDynamicDim(0))
      return std::nullopt;
    int64_t qLen = qType.getDimSize(2), kvLen = kType.getDimSize(2);
    int64_t rows = perRow ? qType.getDimSize(0) : 1;
    int64_t heads = perRow ? op.getNumQueryHeads() : 1;
    if (rows * heads * qLen * kvLen > (int64_t(1) << 24))
      return std::nullopt;
    int64_t numQ = std::max<int64_t>(1, (qLen + qBlock - 1) / qBlock);
    int64_t numKv = std::max<int64_t>(1, (kvLen + kvBlock - 1) / kvBlock);
    if (qLen == 0 || kvLen == 0)
      return std::nullopt; // nothing to classify: the run-time builder
    std::vector<int32_t> counts(rows * heads * numQ, 0),
        fullCounts(counts.size(), 0),
        indices(counts.size() * numKv, 0), fullIndices(indices.size(), 0);
    for (int64_t bi = 0; bi < rows; ++bi)
      for (int64_t h = 0; h < heads; ++h) {
        attn::MaskAttr mask = op.getMaskFor(h);
        for (int64_t qb = 0; qb < numQ; ++qb) {
          int64_t list = (bi * heads + h) * numQ + qb;
          for (int64_t kb = 0; kb < numKv; ++kb) {
            bool any = false, all = true;
            for (int64_t i = qb * qBlock; i < std::min(qLen, (qb + 1) * qBlock);
                 ++i)
              for (int64_t j = kb * kvBlock;
                   j < std::min(kvLen, (kb + 1) * kvBlock); ++j) {
                std::optional<int64_t> allowed = region->evaluate({bi, h, i, j});
                if (!allowed)
                  return std::nullopt; // e.g. a division by zero
                bool visible =
                    (*allowed & 1) && mask.isVisible(i, j, qLen, kvLen);
                any |= visible;
                all &= visible;
              }
            if (all)
              fullIndices[list * numKv + fullCounts[list]++] = kb;
            else if (any)
              indices[list * numKv + counts[list]++] = kb;
          }
        }
      }
    Location loc = op.getLoc();
    auto constant = [&](ArrayRef<int64_t> shape,
                        const std::vector<int32_t> &data) -> Value {
      auto type = RankedTensorType::get(shape, b.getI32Type());
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(data)));
    };
    SmallVector<int64_t> countShape = {rows, heads, numQ};
    SmallVector<int64_t> indexShape = {rows, heads, numQ, numKv};
    return SmallVector<Value>{constant(countShape, counts),
                              constant(indexShape, indices),
                              constant(countShape, fullCounts),
                              constant(indexShape, fullIndices)};
  }

  /// (any, all): whether some / every element in range of block (qb, kb) is
  /// visible, evaluated element by element through TileSemantics.
  std::pair<Value, Value> classify(OpBuilder &b, Location loc,
                                   const TileSemantics &sem,
                                   const TileRows &tile, Value qb, Value kb,
                                   Value qLen, Value kvLen) const {
    auto cIdx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    Value i0 = arith::MulIOp::create(b, loc, qb, cIdx(qBlock));
    Value j0 = arith::MulIOp::create(b, loc, kb, cIdx(kvBlock));
    VectorType one = VectorType::get({1}, b.getI32Type());
    ValueRange result = loop(
        b, loc, cIdx(0), cIdx(qBlock), ValueRange{no, yes},
        [&](OpBuilder &, Value ii, ValueRange acc) {
          Value i = arith::AddIOp::create(b, loc, i0, ii);
          Value position = vector::BroadcastOp::create(
              b, loc, one, arith::IndexCastOp::create(b, loc, b.getI32Type(), i));
          Value rowIn = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                              i, qLen);
          return SmallVector<Value>(loop(
              b, loc, cIdx(0), cIdx(kvBlock), acc,
              [&](OpBuilder &, Value jj, ValueRange acc2) {
                Value j = arith::AddIOp::create(b, loc, j0, jj);
                Value inRange = arith::AndIOp::create(
                    b, loc, rowIn,
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j,
                                          kvLen));
                Value vis = vector::ExtractOp::create(
                    b, loc, sem.visibility(b, loc, tile, position, j),
                    ArrayRef<int64_t>{0});
                vis = arith::AndIOp::create(b, loc, vis, inRange);
                Value any = arith::OrIOp::create(b, loc, acc2[0], vis);
                Value hiddenInRange = arith::AndIOp::create(
                    b, loc, inRange,
                    arith::XOrIOp::create(b, loc, vis, yes));
                Value all = arith::AndIOp::create(
                    b, loc, acc2[1], arith::XOrIOp::create(b, loc, hiddenInRange, yes));
                return SmallVector<Value>{any, all};
              }));
        });
    return {result[0], result[1]};
  }

  /// Appends key block `kb` to the full list (all visible), the partial one
  /// (some visible) or neither; `state` = (indices, full indices, n, n full).
  SmallVector<Value> append(OpBuilder &b, Location loc, Value any, Value all,
                            Value kb, ValueRange state, ValueRange where,
                            bool perRow, Value head) const {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value kbI32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), kb);
    Value bb = perRow ? where[0] : zero, hh = perRow ? head : zero;
    Value isFull = all;
    Value isPartial = arith::AndIOp::create(
        b, loc, any,
        arith::XOrIOp::create(
            b, loc, all, arith::ConstantOp::create(b, loc, b.getBoolAttr(true))));
    auto push = [&](Value cond, Value list, Value n) -> std::pair<Value, Value> {
      auto ifOp = scf::IfOp::create(
          b, loc, cond,
          [&](OpBuilder &tb, Location) {
            Value updated = tensor::InsertOp::create(
                tb, loc, kbI32, list, ValueRange{bb, hh, where[2], n});
            Value next = arith::AddIOp::create(tb, loc, n, one);
            scf::YieldOp::create(tb, loc, ValueRange{updated, next});
          },
          [&](OpBuilder &eb, Location) {
            scf::YieldOp::create(eb, loc, ValueRange{list, n});
          });
      return {ifOp.getResult(0), ifOp.getResult(1)};
    };
    auto [partial, n] = push(isPartial, state[0], state[2]);
    auto [full, nFull] = push(isFull, state[1], state[3]);
    return {partial, full, n, nFull};
  }

  int64_t qBlock, kvBlock;
};

struct BuildBlockMaskPass
    : public attune::impl::BuildBlockMaskBase<BuildBlockMaskPass> {
  using Base::Base;
  void runOnOperation() override {
    if (qBlock < 1 || kvBlock < 1) {
      getOperation()->emitError("attn-build-block-mask: block sizes must be "
                                "positive");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<BuildBlockMask>(&getContext(), qBlock, kvBlock);
    SmallVector<Operation *> ops;
    getOperation()->walk([&](attn::AttentionOp op) { ops.push_back(op); });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
