//===- ConvertGPUToEmulator.cpp - attune-convert-gpu-to-emulator ----------===//
//
// The kernels of a gpu.module become CPU functions over the CUDA emulator's
// runtime: a thread is one call of the kernel body, and every operation that
// reads another thread's state or the launch is a runtime call that the
// emulator answers for the calling thread (RuntimeCallPatterns.cpp). This
// file outlines the kernels, replaces the fast-math intrinsics, diagnoses
// forms the runtime lacks, marks shared-memory stores, converts and adds
// each kernel's packed entry point.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "attune/Conversion/AttnToGPU/WgmmaRegisterA.h"
#include "attune/Conversion/GPUToEmulator/GPUToEmulator.h"
#include "attune/Conversion/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_CONVERTGPUTOEMULATOR
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
/// The name a kernel's body gets; the kernel's own name goes to its packed
/// entry point `void name(void **params)`, which the emulator's
/// cuLaunchKernel calls with cuLaunchKernel's parameter array.
std::string bodyName(StringRef kernel) { return (kernel + "__body").str(); }

/// Moves every gpu.func of the module's gpu.modules to a func.func at the
/// top level (the body, renamed), and the other ops of the gpu.modules
/// (globals) along; drops the gpu.modules and the function declarations (the
/// host functions, which the launcher implements). Functions with a body
/// stay and are lowered too.
/// A kernel: its name and how many leading parameters are tensor maps,
/// passed by value (the packed entry hands their address on).
struct OutlinedKernel {
  std::string name;
  unsigned tensorMaps;
};
constexpr unsigned kTensorMapParams = 2;

FailureOr<SmallVector<OutlinedKernel>> outlineKernels(ModuleOp module) {
  SmallVector<OutlinedKernel> kernels;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  SmallVector<Operation *> dead;
  for (Operation &op : module.getBody()->getOperations()) {
    auto gpuModule = dyn_cast<gpu::GPUModuleOp>(op);
    if (!gpuModule) {
      auto func = dyn_cast<func::FuncOp>(op);
      if (func && func.isDeclaration())
        dead.push_back(&op);
      continue;
    }
    dead.push_back(&op);
    // What the kernels use besides themselves (constant block lists as
    // memref.global) moves along.
    for (Operation &inner :
         llvm::make_early_inc_range(gpuModule.getBody()->getOperations()))
      if (!isa<gpu::GPUFuncOp>(inner) &&
          !inner.hasTrait<OpTrait::IsTerminator>())
        inner.moveBefore(module.getBody(), module.getBody()->end());
    for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
      if (!kernel.getWorkgroupAttributions().empty() ||
          !kernel.getPrivateAttributions().empty()) {
        kernel.emitError("attune-convert-gpu-to-emulator: workgroup and "
                         "private attributions are not supported (dynamic "
                         "shared memory is)");
        return failure();
      }
      auto func =
          func::FuncOp::create(b, kernel.getLoc(), bodyName(kernel.getName()),
                               kernel.getFunctionType());
      func.setPrivate();
      func.getBody().takeBody(kernel.getBody());
      func.walk([&](gpu::ReturnOp ret) {
        OpBuilder rb(ret);
        func::ReturnOp::create(rb, ret.getLoc(), ret.getOperands());
        ret.erase();
      });
      kernels.push_back({kernel.getName().str(),
                         kernel->hasAttr(GPUKernelAttrs::tensorMapRows)
                             ? kTensorMapParams
                             : 0});
    }
  }
  for (Operation *op : dead)
    op->erase();
  return kernels;
}

/// `exact` (an f32 result of `input`) moved by `ulps` units in the last place,
/// up or down as a hash of the input's bits decides, and with `ftz`
/// subnormal results flushed to a signed zero: an approximation at its
/// error bound (2 ulp for ex2 / lg2 / div.full, 1 ulp for rcp), so that the
/// emulated kernels meet the accuracy test with the GPU's error and not the
/// CPU's correctly rounded results. Zeros, infinities, NaNs and results
/// within `ulps` of the normal range's ends are left as they are.
static Value atErrorBound(OpBuilder &b, Location loc, Value exact, Value input,
                          int32_t ulps, bool ftz) {
  if (!exact.getType().isF32() || !input.getType().isF32())
    return exact;
  Type i32 = b.getI32Type();
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(v));
  };
  using P = LLVM::ICmpPredicate;
  Value bits = LLVM::BitcastOp::create(b, loc, i32, exact);
  Value in = LLVM::BitcastOp::create(b, loc, i32, input);
  // The error's sign: the parity of a few of the input's bits, mixed.
  Value mixed = LLVM::XOrOp::create(
      b, loc, in, LLVM::LShrOp::create(b, loc, in, constant(11)));
  mixed = LLVM::XOrOp::create(b, loc, mixed,
                              LLVM::LShrOp::create(b, loc, mixed, constant(5)));
  Value up = LLVM::ICmpOp::create(
      b, loc, P::ne, LLVM::AndOp::create(b, loc, mixed, constant(1)),
      constant(0));
  Value step =
      LLVM::SelectOp::create(b, loc, up, constant(ulps), constant(-ulps));
  // Adding to the bits moves the magnitude by `ulps` whatever the sign.
  Value magnitude = LLVM::AndOp::create(b, loc, bits, constant(0x7fffffff));
  Value inside =
      LLVM::AndOp::create(b, loc,
                          LLVM::ICmpOp::create(b, loc, P::uge, magnitude,
                                               constant(0x00800000 + ulps)),
                          LLVM::ICmpOp::create(b, loc, P::ule, magnitude,
                                               constant(0x7f7fffff - ulps)));
  Value result = LLVM::SelectOp::create(
      b, loc, inside, LLVM::AddOp::create(b, loc, bits, step), bits);
  if (ftz) {
    Value subnormal =
        LLVM::ICmpOp::create(b, loc, P::ult, magnitude, constant(0x00800000));
    result = LLVM::SelectOp::create(
        b, loc, subnormal,
        LLVM::AndOp::create(b, loc, bits,
                            constant(std::numeric_limits<int32_t>::min())),
        result);
  }
  return LLVM::BitcastOp::create(b, loc, b.getF32Type(), result);
}

/// The special-function intrinsics the fast-math pass emits, as the CPU's
/// exp2 / log2 / division moved to the GPU's error bound (atErrorBound).
LogicalResult replaceNVVMIntrinsics(ModuleOp module) {
  WalkResult result = module.walk([](LLVM::CallIntrinsicOp call) {
    StringRef name = call.getIntrin();
    if (!name.starts_with("llvm.nvvm."))
      return WalkResult::advance();
    OpBuilder b(call);
    Value x = call.getArgs().empty() ? Value() : call.getArgs().front();
    Value replacement;
    if (name.starts_with("llvm.nvvm.ex2.approx"))
      replacement = LLVM::Exp2Op::create(b, call.getLoc(), x.getType(), x);
    else if (name.starts_with("llvm.nvvm.lg2.approx"))
      replacement = LLVM::Log2Op::create(b, call.getLoc(), x.getType(), x);
    else if (name.starts_with("llvm.nvvm.rcp.approx"))
      replacement = LLVM::FDivOp::create(
          b, call.getLoc(),
          LLVM::ConstantOp::create(b, call.getLoc(), x.getType(),
                                   b.getFloatAttr(x.getType(), 1.0)),
          x);
    else if (name == "llvm.nvvm.div.full" && call.getArgs().size() == 2)
      replacement =
          LLVM::FDivOp::create(b, call.getLoc(), x, call.getArgs()[1]);
    if (!replacement) {
      call.emitError("attune-convert-gpu-to-emulator: no emulation of ")
          << name;
      return WalkResult::interrupt();
    }
    int32_t ulps = name.starts_with("llvm.nvvm.rcp.approx") ? 1 : 2;
    replacement = atErrorBound(b, call.getLoc(), replacement, x, ulps,
                               name.contains(".ftz"));
    call.getResult(0).replaceAllUsesWith(replacement);
    call.erase();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Diagnoses the forms of the warp-level operations the runtime does not
/// implement (before the conversion, which would only say "failed to
/// legalize").
LogicalResult checkEmulated(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    if (auto mma = dyn_cast<NVVM::MmaOp>(op); mma && !isEmulatedMma(mma)) {
      mma.emitOpError() << "is not emulated: " << kMmaForms;
      return WalkResult::interrupt();
    }
    if (auto wgmma = dyn_cast<NVVM::WgmmaMmaAsyncOp>(op);
        wgmma && !isEmulatedWgmma(wgmma)) {
      wgmma.emitOpError() << "is not emulated: " << kWgmmaForms;
      return WalkResult::interrupt();
    }
    if (auto assembly = dyn_cast<LLVM::InlineAsmOp>(op);
        assembly && !WgmmaRegisterA::match(assembly)) {
      assembly.emitOpError() << "is not emulated: " << kInlineAsmForms;
      return WalkResult::interrupt();
    }
    if (auto barrier = dyn_cast<NVVM::BarrierOp>(op);
        barrier && (barrier.getReductionOp() || barrier->getNumResults())) {
      barrier.emitOpError()
          << "is not emulated: the emulator runs barriers without reductions";
      return WalkResult::interrupt();
    }
    if (auto load =
            dyn_cast<NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp>(op);
        load && !isEmulatedTmaLoad(load)) {
      load.emitOpError() << "is not emulated: " << kTmaLoadForms;
      return WalkResult::interrupt();
    }
    if (auto fence = dyn_cast<NVVM::FenceProxyOp>(op);
        fence && fence.getKind() != NVVM::ProxyKind::async_shared) {
      fence.emitOpError() << "is not emulated: the emulator orders the "
                             "async proxy's shared-memory reads "
                             "(fence.proxy.async.shared::cta) only";
      return WalkResult::interrupt();
    }
    if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
      Type type = shuffle.getShuffleResult().getType();
      if (!type.isF32() && !type.isInteger(32)) {
        shuffle.emitOpError()
            << "is not emulated: the emulator shuffles 32-bit "
               "values (f32, i32), not "
            << type;
        return WalkResult::interrupt();
      }
    }
    if (auto load = dyn_cast<nvgpu::LdMatrixOp>(op)) {
      VectorType type = load.getRes().getType();
      if (type.getRank() != 2 ||
          type.getDimSize(1) * type.getElementType().getIntOrFloatBitWidth() !=
              32) {
        load.emitOpError() << "is not emulated: the emulator loads b16 "
                              "matrices (vector<Nx2x16-bit type>)";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Puts a call of the runtime's shared-store hook after every store into
/// workgroup memory (the runtime then requires fence.proxy.async before a
/// wgmma reads shared memory).
void markSharedStores(ModuleOp module) {
  auto isShared = [](Value memref) {
    auto space = dyn_cast_if_present<gpu::AddressSpaceAttr>(
        cast<MemRefType>(memref.getType()).getMemorySpace());
    return space && space.getValue() == gpu::AddressSpace::Workgroup;
  };
  module.walk([&](Operation *op) {
    Value target;
    if (auto store = dyn_cast<memref::StoreOp>(op))
      target = store.getMemRef();
    else if (auto store = dyn_cast<vector::StoreOp>(op))
      target = store.getBase();
    if (!target || !isShared(target))
      return;
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    callRuntime(b, op, emulator::kSharedStore, {});
  });
}

/// `void name(void **params)`: loads parameter i from params[i] and calls
/// the body; the first `tensorMaps` parameters (by value on the GPU) get
/// params[i] itself.
void addPackedEntry(ModuleOp module, StringRef kernel, unsigned tensorMaps) {
  auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(bodyName(kernel));
  body.setLinkage(LLVM::Linkage::Internal);
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = body.getLoc();
  auto entry = LLVM::LLVMFuncOp::create(
      b, loc, kernel,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr}));
  Block *block = entry.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  SmallVector<Value> args;
  for (auto [i, type] : llvm::enumerate(body.getArgumentTypes())) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptr, ptr, block->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    Value address = LLVM::LoadOp::create(b, loc, ptr, slot);
    args.push_back(
        i < tensorMaps ? address : LLVM::LoadOp::create(b, loc, type, address));
  }
  LLVM::CallOp::create(b, loc, body, args);
  LLVM::ReturnOp::create(b, loc, ValueRange());
}

struct ConvertGPUToEmulatorPass
    : public attune::impl::ConvertGPUToEmulatorBase<ConvertGPUToEmulatorPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    FailureOr<SmallVector<OutlinedKernel>> kernels = outlineKernels(module);
    if (failed(kernels) || failed(replaceNVVMIntrinsics(module)) ||
        failed(checkEmulated(module)))
      return signalPassFailure();
    declareEmulatorRuntime(module);
    markSharedStores(module);

    LowerToLLVMOptions options(ctx);
    LLVMTypeConverter converter(ctx, options);
    // Shared memory is ordinary memory here.
    populateGpuMemorySpaceAttributeConversions(
        converter, [](gpu::AddressSpace) { return 0u; });
    RewritePatternSet patterns(ctx);
    populateGPUToEmulatorConversionPatterns(converter, patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    index::populateIndexToLLVMConversionPatterns(converter, patterns);
    populateMathToLLVMConversionPatterns(converter, patterns);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    populateVectorToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(*ctx);
    target.addIllegalDialect<NVVM::NVVMDialect>();
    target.addIllegalOp<LLVM::InlineAsmOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    for (const OutlinedKernel &kernel : *kernels)
      addPackedEntry(module, kernel.name, kernel.tensorMaps);
  }
};
} // namespace
