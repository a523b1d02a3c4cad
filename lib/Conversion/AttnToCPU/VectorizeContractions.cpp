//===- VectorizeContractions.cpp - the attune-vectorize-contractions pass -===//
//
// Matmuls beside attention in a model (projections, MLP) as register blocks:
// tile the result into rows x cols blocks and the reduction into steps of
// one, vectorize each tile (a broadcast outer product added to the block),
// and lower the transfers to 1-D. (Larger reduction steps vectorize to 2-D
// vector.contract, whose lowering LLVM 22's vector-to-llvm leaves with
// unrealized casts.)
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
      // through stack buffers per iteration; they stay loops.
      if (isa<linalg::MatmulOp>(op) &&
          op.hasPureTensorSemantics() &&
          llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
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
      for (Operation *tile : tiled->tiledOps) {
        rewriter.setInsertionPoint(tile);
        FailureOr<linalg::VectorizationResult> vectorized =
            linalg::vectorize(rewriter, tile);
        if (succeeded(vectorized))
          rewriter.replaceOp(tile, vectorized->replacements);
      }
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
