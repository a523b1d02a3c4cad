//===- LowerAllocaScopes.cpp - the attune-lower-alloca-scopes pass --------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "attune-lower-alloca-scopes"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_LOWERALLOCASCOPES
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

/// Puts `block`'s operations from `begin` up to its terminator between a
/// stack save and a stack restore.
static void bracket(OpBuilder &b, Block &block, Block::iterator begin) {
  Location loc = block.getParentOp()->getLoc();
  b.setInsertionPoint(&block, begin);
  Value top =
      LLVM::StackSaveOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()));
  b.setInsertionPoint(block.getTerminator());
  LLVM::StackRestoreOp::create(b, loc, top);
}

namespace {
struct LowerAllocaScopesPass
    : public attune::impl::LowerAllocaScopesBase<LowerAllocaScopesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // scf.parallel bodies that allocate: release once per iteration.
    getOperation()->walk([&](scf::ParallelOp loop) {
      Block &body = *loop.getBody();
      bool allocates = llvm::any_of(
          body, [](Operation &op) { return isa<memref::AllocaOp>(op); });
      if (allocates)
        bracket(rewriter, body, body.begin());
    });
    // alloca_scope { body } -> stacksave; body; stackrestore (innermost
    // first, so that inlined bodies never hold a scope).
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk(
        [&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
    for (memref::AllocaScopeOp scope : scopes) {
      if (scope.getNumResults() != 0 || !scope.getBodyRegion().hasOneBlock()) {
        scope.emitOpError("attune-lower-alloca-scopes: only single-block "
                          "scopes without results are supported");
        return signalPassFailure();
      }
      Block &body = scope.getBodyRegion().front();
      bracket(rewriter, body, body.begin());
      Operation *terminator = body.getTerminator();
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.eraseOp(terminator);
      rewriter.eraseOp(scope);
    }
  }
};
} // namespace
