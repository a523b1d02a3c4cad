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
      rewriter.replaceOp(op, tiled->replacements);
      llvm::append_range(tiles, tiled->tiledOps);
      if (!ShapedType::isDynamic(op.getStaticLoopRanges()[0]) ||
          tiled->loops.empty())
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
