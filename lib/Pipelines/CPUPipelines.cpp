//===- CPUPipelines.cpp - attune-reference-cpu / attune-cpu pipelines -----===//
//
// Both CPU pipelines end the same way (bufferize, loops, LLVM dialect); they
// differ in how attn ops leave the dialect: the reference pipeline through
// the materialized linalg form (the test oracle), the fused pipeline through
// the tiled online-softmax loop nest with vector code and OpenMP threads.
//
//===----------------------------------------------------------------------===//

#include "attune/Pipelines/Pipelines.h"

#include "attn/Transforms/Passes.h"
#include "attune/Conversion/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// Tensors to buffers, loops, and everything down to the LLVM dialect. The
/// fused pipeline also approximates exp/tanh/log in vector form and runs
/// scf.parallel on OpenMP threads; the oracle keeps libm and one thread.
static void addBufferizeAndLowerToLLVM(OpPassManager &pm, bool approximate,
                                       bool openmp, bool x86vector = false,
                                       bool cacheBuffers = false,
                                       bool amx = false) {
  // No CSE before bufferization: the fused lowering reads its operands through
  // bufferization.to_buffer at the op's position, and two such reads of one
  // tensor merged into the first would see the buffer after later in-place
  // writes to it.
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  bufferization::buildBufferDeallocationPipeline(pm);

  // Strided copies as loops: no call into MLIR's runtime library.
  pm.addPass(attune::createExpandStridedCopies());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (approximate)
    pm.addPass(attune::createApproximateMath());
  // Per-iteration stack scratch released explicitly, while control flow is
  // still structured.
  pm.addPass(attune::createLowerAllocaScopes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (openmp) {
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
    // The OpenMP conversion wraps each loop body in an alloca_scope of its own.
    pm.addPass(attune::createLowerAllocaScopes());
  }
  pm.addPass(createConvertVectorToSCFPass());
  // Strided-metadata expansion emits affine.apply: lower affine after it.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 arithmetic (a model's layers computed in bf16) as f32 arithmetic
  // between conversions, which is what LLVM would make of it on x86, and
  // every bf16 <-> f32 conversion as integer arithmetic: no runtime library
  // call (compiler-rt's __truncsfbf2) on CPUs without bf16 instructions.
  arith::ArithEmulateUnsupportedFloatsOptions bf16Arithmetic;
  bf16Arithmetic.sourceTypeStrs = {"bf16"};
  pm.addPass(arith::createArithEmulateUnsupportedFloats(bf16Arithmetic));
  pm.addPass(math::createMathExtendToSupportedTypes());
  pm.addPass(attune::createSplitBf16Truncations());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = x86vector;
  vectorToLLVM.amx = amx;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Heap buffers through the module's own cache (or malloc / free).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = cacheBuffers;
  if (cacheBuffers)
    pm.addPass(attune::createBufferCache());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void attune::buildReferenceCPUPipeline(OpPassManager &pm,
                                       const ReferenceCPUPipelineOptions &) {
  pm.addPass(createConvertAttnToLinalg());
  addBufferizeAndLowerToLLVM(pm, /*approximate=*/false, /*openmp=*/false);
}

void attune::buildCPUPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options) {
  ConvertAttnToCPUOptions fused;
  fused.lanes = options.lanes;
  fused.queryVectors = options.queryVectors;
  fused.kvTile = options.kvTile;
  fused.rowBlock = options.rowBlock;
  fused.fallback = options.fallback;
  fused.bf16Dot = options.bf16Dot;
  fused.amx = options.bf16Dot && options.amx;
  fused.decodeRows = options.decodeRows;
  fused.kvSplits = options.kvSplits;
  fused.openmpThreads = options.openmp;
  // A model exported as TOSA: to linalg first (the individual conversions,
  // without the TOSA profile validation that rejects f64 constants
  // exporters write), so that raising sees one form.
  OpPassManager &funcs = pm.nest<func::FuncOp>();
  funcs.addPass(tosa::createTosaOptionalDecompositionsPass());
  funcs.addPass(tosa::createTosaToLinalgNamed());
  funcs.addPass(tosa::createTosaToLinalg());
  funcs.addPass(createTosaToArithPass());
  funcs.addPass(createTosaToTensorPass());
  if (options.raiseAttention) {
    // Dynamic-shape exports guard their extents with index arithmetic
    // (`L < 0 ? ... : L`) that integer ranges settle, leaving the plain
    // extents the raising proves equal.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(arith::createIntRangeOptimizationsPass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(attn::createRaiseAttention());
  }
  if (options.sharedPrefix) {
    pm.addPass(attn::createRaiseSharedPrefix());
    pm.addPass(attn::createDecomposeSharedPrefix());
  }
  pm.addPass(createConvertAttnToCPU(fused));
  // What the fused path does not take yet goes the reference way.
  pm.addPass(createConvertAttnToLinalg());
  // The elementwise rest of a model (norms, rotary embeddings, activations)
  // fused where nothing is computed twice: fewer loops and temporaries.
  pm.addPass(attune::createFuseElementwise());
  // The matmuls a model keeps beside attention, as register blocks.
  // Spread over the threads, chunk by chunk.
  if (options.openmp)
    pm.addPass(attune::createParallelChunks());
  pm.addPass(attune::createVectorizeContractions());
  addBufferizeAndLowerToLLVM(pm, /*approximate=*/true, options.openmp,
                             /*x86vector=*/options.bf16Dot,
                             options.cacheBuffers,
                             /*amx=*/options.bf16Dot && options.amx);
}

void attune::registerPipelines() {
  PassPipelineRegistration<ReferenceCPUPipelineOptions>(
      "attune-reference-cpu-pipeline",
      "Lower attn ops through the reference linalg form to the LLVM dialect "
      "(the test oracle)",
      [](OpPassManager &pm, const ReferenceCPUPipelineOptions &options) {
        buildReferenceCPUPipeline(pm, options);
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "attune-cpu-pipeline",
      "Lower attn ops through the fused tiled online-softmax form (vector "
      "code, OpenMP threads) to the LLVM dialect",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "attune-gpu-pipeline",
      "Lower attn.attention to fused NVIDIA GPU kernels (tensor cores) and "
      "their PTX or cubin",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "attune-gpu-emulation-pipeline",
      "Lower attn.attention to the fused NVIDIA GPU kernels, then those "
      "kernels to CPU code for the CUDA emulator (numerics without a GPU)",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUEmulationPipeline(pm, options);
      });
}
