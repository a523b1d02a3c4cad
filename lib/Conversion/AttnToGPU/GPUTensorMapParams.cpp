//===- GPUTensorMapParams.cpp - the attune-gpu-tensor-map-params pass -----===//
//
// The TMA reads a tensor map through a generic address; a kernel parameter
// passed by value and marked a grid constant has one (cvta.param), with no
// copy to local memory. The gpu-to-nvvm lowering keeps a parameter's
// alignment but not llvm.byval, so the kernels get them here, after it.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_GPUTENSORMAPPARAMS
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
/// CUtensorMap: 128 opaque bytes, 64-byte aligned.
constexpr int64_t kTensorMapBytes = 128, kTensorMapAlign = 64;

struct GPUTensorMapParamsPass
    : public attune::impl::GPUTensorMapParamsBase<GPUTensorMapParamsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    auto blob =
        LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), kTensorMapBytes);
    WalkResult result = getOperation().walk([&](LLVM::LLVMFuncOp func) {
      if (!func->hasAttr(attune::GPUKernelAttrs::tensorMapRows))
        return WalkResult::advance();
      if (func.getNumArguments() < 2 ||
          !llvm::all_of(func.getArgumentTypes().take_front(2),
                        [](Type t) { return isa<LLVM::LLVMPointerType>(t); })) {
        func.emitError("attune-gpu-tensor-map-params: a kernel with tensor "
                       "maps must take them as its first two !llvm.ptr "
                       "parameters");
        return WalkResult::interrupt();
      }
      for (unsigned i = 0; i < 2; ++i) {
        func.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                        TypeAttr::get(blob));
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                        b.getI64IntegerAttr(kTensorMapAlign));
        func.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(),
                        b.getUnitAttr());
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
