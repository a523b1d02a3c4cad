//===- ParallelChunks.cpp - the attune-parallel-chunks pass ---------------===//
//
// What a model computes beside attention (projections, MLP, norms, rotary
// embeddings, activations) is one linalg op after another at the top of the
// function. Each op with a large parallel dim is split into chunks of `rows`
// along it, an scf.forall over the chunks that the CPU pipeline runs on
// OpenMP threads; the chunks are then tiled and vectorized as the whole op
// would have been.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_PARALLELCHUNKS
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {

/// Ops of fewer iterations (all extents static) stay whole: a parallel
/// region costs microseconds to open (a decode step's ops are that small).
constexpr int64_t kMinIterations = 1 << 15;
constexpr int64_t kMinChunkIterations = 1 << 12;

/// The loop of `op` to split: the first parallel one of a dynamic extent
/// or of at least two chunks.
static std::optional<unsigned> chunkedLoop(linalg::LinalgOp op, int64_t rows) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::none_of(ranges, ShapedType::isDynamic)) {
    int64_t iterations = 1;
    for (int64_t range : ranges)
      iterations *= range;
    if (iterations < kMinIterations)
      return std::nullopt;
  }
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (kind != utils::IteratorType::parallel ||
        (!ShapedType::isDynamic(ranges[i]) && ranges[i] < 2 * rows))
      continue;
    // A chunk's own work (its static extents) must pay for it too.
    int64_t perChunk = rows;
    for (auto [j, range] : llvm::enumerate(ranges))
      if (j != i && !ShapedType::isDynamic(range))
        perChunk *= range;
    return perChunk >= kMinChunkIterations ? std::optional<unsigned>(i)
                                           : std::nullopt;
  }
  return std::nullopt;
}

struct ParallelChunksPass
    : public attune::impl::ParallelChunksBase<ParallelChunksPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 1) {
      getOperation()->emitError(
          "attune-parallel-chunks: rows must be positive");
      return signalPassFailure();
    }
    // Top-level ops only: those inside loops or parallel regions (the
    // fused attention's) are already distributed.
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](func::FuncOp func) {
      if (func.isDeclaration())
        return;
      for (Operation &op : func.getBody().front())
        if (isa<linalg::GenericOp, linalg::MatmulOp, linalg::TransposeOp,
                linalg::BroadcastOp>(op) &&
            cast<linalg::LinalgOp>(op).hasPureTensorSemantics() &&
            op.getNumResults() > 0)
          ops.push_back(cast<linalg::LinalgOp>(op));
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      std::optional<unsigned> loop = chunkedLoop(op, rows);
      if (!loop)
        continue;
      SmallVector<OpFoldResult> sizes(op.getNumLoops(),
                                      rewriter.getIndexAttr(0));
      sizes[*loop] = rewriter.getIndexAttr(rows);
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (succeeded(tiled))
        rewriter.replaceOp(op, tiled->replacements);
    }
  }
};

} // namespace
