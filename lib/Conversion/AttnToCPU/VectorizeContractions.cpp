//===- VectorizeContractions.cpp - the attune-vectorize-contractions pass -===//
//
// Matmuls beside attention in a model (projections, MLP) as register blocks:
// tile the result into rows x cols blocks and the reduction into steps of
// one, vectorize each tile (a broadcast outer product added to the block),
// and lower the transfers to 1-D. (Larger reduction steps vectorize to 2-D
// vector.contract, whose lowering LLVM 22's vector-to-llvm leaves with
// unrealized casts.) A dynamic row count (a model's sequence length) is
// tiled the same; the loop over row blocks is peeled so that every block
// but the last partial one has static extents and vectorizes, the last one
// stays a loop nest.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONS
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {

/// The batch-independent operand of a batched product: W when `v` is W
/// [K, N] broadcast over a new leading batch dim (a generic copying it, or
/// linalg.broadcast), as exporters write a weight for a dynamic batch.
static Value unbatchedOperand(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() != 3)
    return Value();
  if (auto broadcast = v.getDefiningOp<linalg::BroadcastOp>())
    return broadcast.getDimensions() == ArrayRef<int64_t>{0}
               ? broadcast.getInput()
               : Value();
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0)
    return Value();
  Block &body = g.getRegion().front();
  MLIRContext *ctx = g.getContext();
  AffineMap dropBatch = AffineMap::get(
      3, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
  if (body.getOperations().size() != 1 ||
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] !=
          body.getArgument(0) ||
      g.getIndexingMapsArray()[0] != dropBatch ||
      !g.getIndexingMapsArray()[1].isIdentity())
    return Value();
  return g.getDpsInputs()[0];
}

/// batch_matmul(A [B, M, K], W broadcast over B) from a zero accumulator:
/// one matmul of the stacked rows, collapse(A) [B * M, K] x W, expanded
/// back to [B, M, N]; then it tiles and vectorizes as any matmul.
struct StackBatchedRows : public OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasUserDefinedMaps() || !op.hasPureTensorSemantics())
      return failure();
    Value a = op.getDpsInputs()[0];
    Value w = unbatchedOperand(op.getDpsInputs()[1]);
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    if (!w || !fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return failure();
    auto resType = cast<RankedTensorType>(op.getResultTypes()[0]);
    if (resType.isDynamicDim(2))
      return failure();
    Location loc = op.getLoc();
    SmallVector<ReassociationIndices> groups = {{0, 1}, {2}};
    Value stacked = tensor::CollapseShapeOp::create(rewriter, loc, a, groups);
    OpFoldResult columns = rewriter.getIndexAttr(resType.getDimSize(2));
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        {tensor::getMixedSize(rewriter, loc, stacked, 0), columns},
        resType.getElementType());
    init = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], init)
               .getResult(0);
    Value product =
        linalg::MatmulOp::create(rewriter, loc, init.getType(),
                                 ValueRange{stacked, w}, ValueRange{init})
            .getResult(0);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, a, 0),
        tensor::getMixedSize(rewriter, loc, a, 1), columns};
    // The batch and rows as A has them (static or not), cast to the
    // product's type where that differs.
    auto aType = cast<RankedTensorType>(a.getType());
    auto expandedType = RankedTensorType::get(
        {aType.getDimSize(0), aType.getDimSize(1), resType.getDimSize(2)},
        resType.getElementType());
    Value result = tensor::ExpandShapeOp::create(rewriter, loc, expandedType,
                                                 product, groups, sizes);
    if (expandedType != resType)
      result = tensor::CastOp::create(rewriter, loc, resType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct VectorizeContractionsPass
    : public attune::impl::VectorizeContractionsBase<
          VectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 1 || cols < 1) {
      getOperation()->emitError(
          "attune-vectorize-contractions: rows and cols must be positive");
      return signalPassFailure();
    }
    // Batched products against a weight shared by the batch: one matmul.
    {
      RewritePatternSet stack(&getContext());
      stack.add<StackBatchedRows>(&getContext());
      if (failed(applyPatternsGreedily(getOperation(), std::move(stack))))
        return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      // Batched products would vectorize to 3-D transfers, which lower
      // through stack buffers per iteration; they stay loops. Rows (m) may
      // be dynamic, columns and the reduction are static.
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (isa<linalg::MatmulOp>(op) && op.hasPureTensorSemantics() &&
          llvm::none_of(ArrayRef<int64_t>(ranges).drop_front(),
                        ShapedType::isDynamic))
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> tiles;
    for (linalg::LinalgOp op : contractions) {
      // m, n, k -> tiles of rows x cols x 1.
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(rows),
                                         rewriter.getIndexAttr(cols),
                                         rewriter.getIndexAttr(1)};
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      bool dynamicRows = ShapedType::isDynamic(op.getStaticLoopRanges()[0]);
      rewriter.replaceOp(op, tiled->replacements);
      llvm::append_range(tiles, tiled->tiledOps);
      if (!dynamicRows || tiled->loops.empty())
        continue;
      // Full row blocks, then the partial one; the blocks' extents folded
      // to constants in the main loop.
      auto rowLoop = dyn_cast<scf::ForOp>(tiled->loops.front().getOperation());
      scf::ForOp partial;
      if (!rowLoop ||
          failed(scf::peelForLoopAndSimplifyBounds(rewriter, rowLoop, partial)))
        continue;
      RewritePatternSet fold(&getContext());
      tensor::ExtractSliceOp::getCanonicalizationPatterns(fold, &getContext());
      tensor::populateFoldTensorEmptyPatterns(fold);
      linalg::MatmulOp::getCanonicalizationPatterns(fold, &getContext());
      tensor::CastOp::getCanonicalizationPatterns(fold, &getContext());
      tensor::InsertSliceOp::getCanonicalizationPatterns(fold, &getContext());
      linalg::FillOp::getCanonicalizationPatterns(fold, &getContext());
      // tensor.cast folded into the tile (a dialect-level pattern).
      getContext()
          .getLoadedDialect<linalg::LinalgDialect>()
          ->getCanonicalizationPatterns(fold);
      affine::AffineMinOp::getCanonicalizationPatterns(fold, &getContext());
      (void)applyPatternsGreedily(rowLoop.getRegion(), std::move(fold));
    }
    // Vectorize the static tiles (those left, ops the folding replaced,
    // are found again by their shape).
    tiles.clear();
    getOperation()->walk([&](linalg::MatmulOp op) {
      SmallVector<int64_t> ranges =
          cast<linalg::LinalgOp>(op.getOperation()).getStaticLoopRanges();
      if (op->getParentOfType<scf::ForOp>() && op.hasPureTensorSemantics() &&
          ranges == SmallVector<int64_t>{int64_t(rows), int64_t(cols), 1})
        tiles.push_back(op);
    });
    for (Operation *tile : tiles) {
      rewriter.setInsertionPoint(tile);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, tile);
      if (succeeded(vectorized))
        rewriter.replaceOp(tile, vectorized->replacements);
    }
    // The accumulator block stays in registers across the reduction loop:
    // its slice and transfers hoisted out (innermost loops first).
    SmallVector<LoopLikeOpInterface> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (!loop->getParentOfType<linalg::LinalgOp>())
        loops.push_back(cast<LoopLikeOpInterface>(loop.getOperation()));
    });
    for (LoopLikeOpInterface loop : loops) {
      moveLoopInvariantCode(loop);
      rewriter.setInsertionPoint(loop);
      hoistLoopInvariantSubsets(rewriter, loop);
    }
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
