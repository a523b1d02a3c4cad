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

namespace {
/// f32 bit-level helpers for the special-function emulation.
struct F32Bits {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t v) {
    return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                    b.getI32IntegerAttr(v));
  }
  Value bits(Value x) {
    return LLVM::BitcastOp::create(b, loc, b.getI32Type(), x);
  }
  Value f32(Value bits) {
    return LLVM::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
  Value magnitude(Value bits) {
    return LLVM::AndOp::create(b, loc, bits, i32(0x7fffffff));
  }
  Value compare(LLVM::ICmpPredicate p, Value x, Value y) {
    return LLVM::ICmpOp::create(b, loc, p, x, y);
  }
  /// i1: `x` is subnormal or zero.
  Value belowNormal(Value x) {
    return compare(LLVM::ICmpPredicate::ult, magnitude(bits(x)),
                   i32(0x00800000));
  }
  /// `x` with subnormals flushed to a zero of their sign (.ftz).
  Value flush(Value x) {
    Value sign = LLVM::AndOp::create(b, loc, bits(x),
                                     i32(std::numeric_limits<int32_t>::min()));
    return LLVM::SelectOp::create(b, loc, belowNormal(x), f32(sign), x);
  }
};
} // namespace

/// The special-function intrinsics the fast-math pass emits, as the CPU's
/// exp2 / log2 / division moved to the GPU's error bound, so that emulated
/// kernels meet the accuracy test with the GPU's error and not the CPU's
/// correctly rounded results:
///  - ex2 and div.full 2 ulp, rcp 1 ulp; lg2 2^-22 absolute for x in
///    [0.5, 2] and 2 ulp elsewhere (CUDA's bounds for its fast intrinsics);
///  - up or down as a multiplicative hash of the inputs' bits decides;
///  - .ftz forms flush subnormal inputs and results to a signed zero;
///  - left exact: zero inputs (ex2(0) = 1, lg2(0) = -inf, 1 / 0 = inf),
///    zeros, infinities and NaNs, results within the step of the normal
///    range's ends, and non-f32 types.
LogicalResult replaceNVVMIntrinsics(ModuleOp module) {
  WalkResult result = module.walk([](LLVM::CallIntrinsicOp call) {
    StringRef name = call.getIntrin();
    if (!name.starts_with("llvm.nvvm."))
      return WalkResult::advance();
    OpBuilder b(call);
    Location loc = call.getLoc();
    F32Bits f{b, loc};
    SmallVector<Value> args(call.getArgs());
    bool f32 = !args.empty() && llvm::all_of(args, [](Value arg) {
      return arg.getType().isF32();
    });
    bool ftz = f32 && name.contains(".ftz");
    if (ftz)
      for (Value &arg : args)
        arg = f.flush(arg);
    Value x = args.empty() ? Value() : args.front();
    Value exact;
    bool lg2 = name.starts_with("llvm.nvvm.lg2.approx");
    if (name.starts_with("llvm.nvvm.ex2.approx"))
      exact = LLVM::Exp2Op::create(b, loc, x.getType(), x);
    else if (lg2)
      exact = LLVM::Log2Op::create(b, loc, x.getType(), x);
    else if (name.starts_with("llvm.nvvm.rcp.approx"))
      exact = LLVM::FDivOp::create(
          b, loc,
          LLVM::ConstantOp::create(b, loc, x.getType(),
                                   b.getFloatAttr(x.getType(), 1.0)),
          x);
    else if (name == "llvm.nvvm.div.full" && args.size() == 2)
      exact = LLVM::FDivOp::create(b, loc, x, args[1]);
    if (!exact) {
      call.emitError("attune-convert-gpu-to-emulator: no emulation of ")
          << name;
      return WalkResult::interrupt();
    }
    Value replacement = exact;
    if (f32) {
      using P = LLVM::ICmpPredicate;
      // The error's sign: the top bit of the inputs' bits times an odd
      // constant (every input bit reaches it).
      Value key = f.bits(x);
      for (Value arg : ArrayRef<Value>(args).drop_front())
        key = LLVM::XOrOp::create(b, loc, key, f.bits(arg));
      Value up =
          f.compare(P::slt, LLVM::MulOp::create(b, loc, key, f.i32(0x9E3779B1)),
                    f.i32(0));
      int32_t ulps = name.starts_with("llvm.nvvm.rcp.approx") ? 1 : 2;
      // Adding to the bits moves the magnitude by `ulps` whatever the sign;
      // only where the result stays normal and finite.
      Value bits = f.bits(exact), magnitude = f.magnitude(bits);
      Value inside = LLVM::AndOp::create(
          b, loc, f.compare(P::uge, magnitude, f.i32(0x00800000 + ulps)),
          f.compare(P::ule, magnitude, f.i32(0x7f7fffff - ulps)));
      Value moved = f.f32(LLVM::AddOp::create(
          b, loc, bits,
          LLVM::SelectOp::create(b, loc, up, f.i32(ulps), f.i32(-ulps))));
      if (lg2) {
        // 2^-22 absolute for x in [0.5, 2].
        auto constant = [&](float v) -> Value {
          return LLVM::ConstantOp::create(b, loc, b.getF32Type(),
                                          b.getF32FloatAttr(v));
        };
        Value nearOne = LLVM::AndOp::create(
            b, loc,
            LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::oge, x,
                                 constant(0.5f)),
            LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::ole, x,
                                 constant(2.0f)));
        Value shifted = LLVM::FAddOp::create(
            b, loc, exact,
            LLVM::SelectOp::create(b, loc, up, constant(0x1p-22f),
                                   constant(-0x1p-22f)));
        moved = LLVM::SelectOp::create(b, loc, nearOne, shifted, moved);
        inside = LLVM::OrOp::create(b, loc, inside, nearOne);
      }
      Value nonzeroInput = f.compare(P::ne, f.magnitude(f.bits(x)), f.i32(0));
      replacement = LLVM::SelectOp::create(
          b, loc, LLVM::AndOp::create(b, loc, inside, nonzeroInput), moved,
          exact);
      if (ftz)
        replacement = f.flush(replacement);
    }
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
