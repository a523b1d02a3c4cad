//===- ConvertAttnToGPU.cpp - the convert-attn-to-gpu pass ----------------===//

#include "attune/Conversion/Passes.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#define DEBUG_TYPE "convert-attn-to-gpu"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_CONVERTATTNTOGPU
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {
struct ConvertAttnToGPUPass
    : public attune::impl::ConvertAttnToGPUBase<ConvertAttnToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!attune::isSupportedCudaArch(chip)) {
      module.emitError("convert-attn-to-gpu: unsupported chip '")
          << chip
          << "': the kernels need sm_80 or later, as LLVM's NVPTX backend "
             "names it (sm_80, sm_86, sm_89, sm_90, sm_90a, sm_100a, ...)";
      return signalPassFailure();
    }
    attune::GPUTiling tiling;
    tiling.warps = warps;
    tiling.kvTile = kvTile;
    std::optional<attune::GPUMma> kind = attune::parseGPUMma(mma);
    if (!kind) {
      module.emitError("convert-attn-to-gpu: unknown mma '")
          << mma << "' (sync or wgmma)";
      return signalPassFailure();
    }
    if (*kind == attune::GPUMma::Wgmma && chip != "sm_90a") {
      module.emitError(
          "convert-attn-to-gpu: mma=wgmma needs chip sm_90a, not '")
          << chip << "' (wgmma exists only there)";
      return signalPassFailure();
    }
    tiling.mma = *kind;
    if (tma && *kind != attune::GPUMma::Wgmma) {
      module.emitError("convert-attn-to-gpu: tma=true needs mma=wgmma (the "
                       "TMA kernel is the sm_90a one)");
      return signalPassFailure();
    }
    tiling.tma = tma;
    if (stages < 2 || stages > 8 || (stages != 2 && !tma)) {
      module.emitError("convert-attn-to-gpu: stages=")
          << static_cast<int64_t>(stages)
          << " must be 2 to 8, and more than 2 needs tma=true (cp.async "
             "double-buffers)";
      return signalPassFailure();
    }
    tiling.stages = stages;
    if (overlap && (!tma || stages < 3)) {
      module.emitError("convert-attn-to-gpu: overlap=true needs tma=true and "
                       "stages=3 or more (a buffer is released a step "
                       "later)");
      return signalPassFailure();
    }
    tiling.overlap = overlap;
    if (warpSpecialize && !tma) {
      module.emitError("convert-attn-to-gpu: warp-specialize=true needs "
                       "tma=true (the producer warpgroup issues TMA loads)");
      return signalPassFailure();
    }
    tiling.warpSpecialize = warpSpecialize;
    if (pingPong && !overlap) {
      module.emitError("convert-attn-to-gpu: ping-pong=true needs "
                       "overlap=true (the warpgroups take turns issuing a "
                       "step's two products)");
      return signalPassFailure();
    }
    tiling.pingPong = pingPong;
    SmallVector<func::FuncOp> hosts;
    bool unsupported = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      bool hasAttention = false;
      func.walk([&](Operation *op) {
        if (isa<attn::AttentionOp, attn::PrefixAttentionOp>(op)) {
          hasAttention = true;
        } else if (isa<attn::AttnDialect>(op->getDialect()) &&
                   !isa<attn::YieldOp>(op)) {
          op->emitOpError("is not on the GPU path yet (attn.attention and "
                          "attn.prefix_attention are)");
          unsupported = true;
        }
      });
      if (hasAttention)
        hosts.push_back(func);
    }
    if (unsupported)
      return signalPassFailure();
    if (hosts.empty())
      return;
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("attune_kernels");
    if (!kernels)
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), "attune_kernels");
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    for (func::FuncOp host : hosts) {
      // Smaller tiles where the requested ones overflow shared memory (D =
      // 256 on sm_80, D >= 128 on sm_86 / sm_89).
      attune::GPUTiling fitted = tiling;
      host.walk([&](attn::AttentionOpInterface op) {
        fitted = attune::fitTiling(op, tiling, chip);
      });
      bool prefix = false;
      host.walk([&](attn::PrefixAttentionOp) { prefix = true; });
      if (failed(prefix ? attune::buildPrefixAttentionKernels(host, kernels,
                                                              fitted)
                        : attune::buildAttentionKernel(host, kernels, fitted)))
        return signalPassFailure();
      // The tiles must fit the chip's shared memory.
      auto kernel = kernels.lookupSymbol<gpu::GPUFuncOp>(host.getSymName());
      int64_t bytes =
          kernel
              ->getAttrOfType<IntegerAttr>(attune::GPUKernelAttrs::sharedBytes)
              .getInt();
      if (bytes > attune::maxSharedBytes(chip)) {
        host.emitError("convert-attn-to-gpu: @")
            << host.getSymName() << "'s tiles need " << bytes
            << " bytes of shared memory; " << chip << " allows "
            << attune::maxSharedBytes(chip)
            << " per block, even with the smallest tiles tried (warps="
            << fitted.warps << " kv-tile=" << fitted.kvTile
            << " stages=" << fitted.stages << ")";
        return signalPassFailure();
      }
      // The host function is now implemented by the kernel's C launcher.
      host.getBody().getBlocks().clear();
      host.setPrivate();
      host->setAttr(
          "attune.gpu_kernel",
          SymbolRefAttr::get(kernels.getSymNameAttr(),
                             {FlatSymbolRefAttr::get(host.getSymNameAttr())}));
    }
  }
};
} // namespace
