//===- ConvertAttnToCPU.cpp - the convert-attn-to-cpu pass ----------------===//

#include "attune/Conversion/Passes.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/AttnToCPU/AttnToCPU.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "convert-attn-to-cpu"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_CONVERTATTNTOCPU
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
struct ConvertAttnToCPUPass
    : public attune::impl::ConvertAttnToCPUBase<ConvertAttnToCPUPass> {
  using Base::Base;

  void runOnOperation() override {
    attune::FusedCPUTiling tiling;
    tiling.lanes = lanes;
    tiling.queryVectors = queryVectors;
    tiling.kvTile = kvTile;
    tiling.rowBlock = rowBlock;
    tiling.bf16Dot = bf16Dot;
    tiling.amx = amx;
    tiling.decodeRows = decodeRows;
    tiling.kvSplits = kvSplits;
    tiling.openmpThreads = openmpThreads;
    if (lanes < 1 || queryVectors < 1 || kvTile < 1 || rowBlock < 1 ||
        kvTile % rowBlock != 0 || kvSplits < 0) {
      getOperation()->emitError()
          << "convert-attn-to-cpu: tile sizes must be positive and kv-tile a "
             "multiple of row-block";
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    bool unsupported = false;
    getOperation()->walk([&](attn::AttentionOp op) {
      std::string why;
      if (attune::canFuseOnCPU(op, tiling, why)) {
        ops.push_back(op);
      } else if (!fallback) {
        op.emitOpError("is not supported by the fused CPU path yet: ") << why;
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();
    if (tiling.openmpThreads && !ops.empty() &&
        failed(attune::declareThreadCountQuery(getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    attune::populateAttnToCPUPatterns(patterns, tiling);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
