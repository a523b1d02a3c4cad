//===- GPUPipelines.cpp - attune-gpu-pipeline -----------------------------===//
//
// attn.attention to NVIDIA GPU kernels: the FlashAttention-2 form on tensor
// cores (convert-attn-to-gpu), exp / log / tanh on the special function
// unit, then nvgpu, vector and gpu ops to the NVVM dialect and PTX (LLVM's
// NVPTX backend: no CUDA toolkit needed) or a cubin (ptxas from the toolkit).
//
//===----------------------------------------------------------------------===//

#include "attune/Pipelines/Pipelines.h"

#include "attune/Conversion/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void attune::buildGPUKernels(OpPassManager &pm,
                             const GPUPipelineOptions &options) {
  ConvertAttnToGPUOptions kernel;
  kernel.warps = options.warps;
  kernel.kvTile = options.kvTile;
  kernel.chip = options.chip;
  kernel.mma = options.mma;
  kernel.tma = options.tma;
  kernel.stages = options.stages;
  kernel.overlap = options.overlap;
  kernel.warpSpecialize = options.warpSpecialize;
  kernel.pingPong = options.pingPong;
  pm.addPass(createConvertAttnToGPU(kernel));
}

/// The math the GPU runs (ex2.approx / lg2.approx), cleaned up.
static void addFastMath(OpPassManager &pm) {
  pm.addPass(attune::createGPUFastMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void attune::buildGPUBinary(OpPassManager &pm,
                            const GPUPipelineOptions &options) {
  addFastMath(pm);
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));

  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertVectorToSCFPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createConvertVectorToLLVMPass());
  kernels.addPass(createArithToLLVMConversionPass());
  kernels.addPass(createConvertIndexToLLVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(attune::createGPUTensorMapParams());
  // wgmma.mma_async becomes inline PTX (the mma.sync kernels have no such
  // op and keep the lowering they had).
  if (options.mma == "wgmma")
    kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  if (options.format == "none")
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void attune::buildGPUEmulation(OpPassManager &pm) {
  addFastMath(pm);
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertVectorToSCFPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  // bf16 conversions as integer code: no compiler-rt call on CPUs without
  // bf16 instructions.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  kernels.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(attune::createConvertGPUToEmulator());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void attune::buildGPUEmulationPipeline(OpPassManager &pm,
                                       const GPUPipelineOptions &options) {
  buildGPUKernels(pm, options);
  buildGPUEmulation(pm);
}

void attune::buildGPUPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options) {
  buildGPUKernels(pm, options);
  buildGPUBinary(pm, options);
}
